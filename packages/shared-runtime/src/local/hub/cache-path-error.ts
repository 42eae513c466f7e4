import { ModelLoadError } from '../../errors/model-load-error.js';

/** Filesystem failures that say the cache folder cannot be used as it is. */
const CACHE_PATH_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EISDIR',
  'ENOSPC',
  'EDQUOT',
  'ENAMETOOLONG',
  'ELOOP',
]);

/** A Node.js system error (`fs` rejections carry `code`, `syscall` and `path`). */
interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
}

function isCachePathError(error: unknown): error is SystemError {
  return (
    error instanceof Error &&
    typeof (error as Partial<SystemError>).code === 'string' &&
    CACHE_PATH_CODES.has((error as SystemError).code)
  );
}

/**
 * Turns a filesystem error from the Hugging Face cache (an unwritable folder, a path through a
 * regular file, a full or read-only disk) into a {@link ModelLoadError} naming the cache folder,
 * the path that failed and why, with the error as `cause`; anything else is returned unchanged.
 */
export function describeCachePathError(
  error: unknown,
  cacheDirectory: string,
  file?: string,
): unknown {
  if (!isCachePathError(error)) return error;
  const where = error.path === undefined ? '' : ` on ${error.path}`;
  const what = error.syscall === undefined ? error.code : `${error.syscall} ${error.code}`;
  return new ModelLoadError(
    `The Hugging Face cache at ${cacheDirectory} cannot be used: ${what}${where}${
      file === undefined ? '' : ` while fetching ${file}`
    }. Point cacheDir (or HF_HUB_CACHE / HF_HOME) at a folder this process can write, or load a local copy with modelPath.`,
    { file, cause: error },
  );
}
