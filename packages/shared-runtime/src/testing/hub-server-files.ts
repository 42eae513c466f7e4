import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';

/** What the loopback Hub knows about one served file. */
export interface HubServedFile {
  /** Absolute path on disk. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** Whether the Hub would store it in LFS (then it redirects to the CDN and sends X-Linked-*). */
  readonly lfs: boolean;
  /**
   * The `ETag` the Hub sends: the git blob sha1 of the file, or for an LFS file the git blob sha1
   * of its pointer file.
   */
  readonly gitSha1: string;
}

/** Extensions the Hub's `.gitattributes` sends to LFS by default (those of model weights). */
const LFS_EXTENSIONS = new Set(['.onnx', '.onnx_data', '.bin', '.safetensors', '.pt', '.h5']);

const described = new Map<string, { signature: string; file: HubServedFile }>();

/**
 * Hashes a file for the loopback Hub (once per content: the result is kept while the file's
 * size and mtime stay the same).
 */
export async function describeServedFile(
  path: string,
  lfsThreshold: number,
): Promise<HubServedFile | undefined> {
  let stats: Awaited<ReturnType<typeof stat>>;
  try {
    stats = await stat(path);
  } catch {
    return undefined;
  }
  if (!stats.isFile()) return undefined;
  const signature = `${stats.size}:${stats.mtimeMs}:${lfsThreshold}`;
  const known = described.get(path);
  if (known?.signature === signature) return known.file;

  const content = await readFile(path);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const lfs = LFS_EXTENSIONS.has(extname(path)) || content.length >= lfsThreshold;
  const gitContent = lfs
    ? Buffer.from(
        `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${content.length}\n`,
      )
    : content;
  const file: HubServedFile = {
    path,
    size: content.length,
    sha256,
    lfs,
    gitSha1: gitBlobSha1(gitContent),
  };
  described.set(path, { signature, file });
  return file;
}

/** The object id git gives a blob: sha1 of `blob <size>\0<content>`. */
export function gitBlobSha1(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}
