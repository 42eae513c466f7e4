/**
 * How an image source fails: short descriptions of sources for messages (never their bytes, nor
 * a URL's credentials or query) and the {@link ImageLoadError}s the readers throw.
 */
import {
  IMAGE_LOAD_REASONS,
  ImageLoadError,
  type ImageLoadReason,
} from '../errors/image-load-error.js';

/** Longest description put in an error message. */
export const MAX_DESCRIPTION = 100;

/** Plain words for the file-system error codes a path commonly fails with. */
const FILE_ERRORS = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
  ELOOP: 'too many symbolic links',
} as const;

/** Shortens `text` to at most {@link MAX_DESCRIPTION} characters, keeping both ends. */
export function truncate(text: string): string {
  if (text.length <= MAX_DESCRIPTION) return text;
  const tail = 40;
  return `${text.slice(0, MAX_DESCRIPTION - tail - 3)}...${text.slice(-tail)}`;
}

/**
 * A URL for a message: without user name, password, query and fragment (a presigned URL's
 * signature lives in its query), shortened.
 */
export function describeUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  copy.search = '';
  copy.hash = '';
  return truncate(copy.href);
}

/** A short reason for a message: a file error code in plain words, else the error's message. */
export function describeError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in FILE_ERRORS) {
    return FILE_ERRORS[code as keyof typeof FILE_ERRORS];
  }
  return error instanceof Error ? error.message : String(error);
}

/** `'not-found'` for a missing file, else `'unreadable'`. */
export function reasonOf(error: unknown): ImageLoadReason {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' ? IMAGE_LOAD_REASONS.notFound : IMAGE_LOAD_REASONS.unreadable;
}

/**
 * Throws the {@link ImageLoadError} of input `inputIndex`, worded
 * `Input <i>: cannot read image <description>: <message>.`
 */
export function fail(
  inputIndex: number,
  description: string,
  message: string,
  details: { reason: ImageLoadReason; limit?: number; cause?: unknown },
): never {
  throw new ImageLoadError(`Input ${inputIndex}: cannot read image ${description}: ${message}.`, {
    inputIndex,
    ...details,
  });
}

/** Throws the `'too-large'` error of a source over `maxImageBytes`. */
export function failTooLarge(inputIndex: number, description: string, maxBytes: number): never {
  fail(inputIndex, description, `it is larger than maxImageBytes (${maxBytes} bytes)`, {
    reason: IMAGE_LOAD_REASONS.tooLarge,
    limit: maxBytes,
  });
}

/** Throws the `'empty'` error of a source of zero bytes. */
export function failEmpty(inputIndex: number, description: string): never {
  fail(inputIndex, description, 'it is empty', { reason: IMAGE_LOAD_REASONS.empty });
}
