import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readlink, realpath, rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { SHA256_PATTERN } from './fetch-file-metadata.js';

/** The outcome of {@link verifyCachedFile}. */
export type CachedFileCheck =
  | { readonly kind: 'verified' }
  /** Not an LFS blob (git files are not hashed) or its sha256 is unknown (a copy, offline). */
  | { readonly kind: 'unchecked' }
  | {
      readonly kind: 'corrupted';
      readonly expected: string;
      readonly actual: string;
      /** The blob's real path (the file itself where the cache holds copies). */
      readonly blobPath: string;
    };

/**
 * Files this process checked, by real path, with the stat they had then. Held in memory only:
 * the cache gets nothing extra, and a blob is hashed at most once per process (until it
 * changes on disk).
 */
const verifiedFiles = new Map<string, string>();

/**
 * Checks a cached LFS file against its sha256 before it is first used in this process.
 *
 * huggingface_hub trusts its cache; this does not, because a truncated or bit-flipped ONNX file
 * fails later with an obscure onnxruntime error, or worse, loads and computes wrong vectors.
 * Hashing is cheap next to what follows: the file is read whole right after to build the
 * session (which the hash read also warms the page cache for), and it happens once per process.
 *
 * The expected sha256 is the Hub's LFS etag: the blob's own name, read from the snapshot
 * symlink (so it works offline), or `knownEtag` from the Hub's headers. A git file's etag is its
 * git sha1 and is not checked.
 */
export async function verifyCachedFile(
  pointerPath: string,
  knownEtag?: string,
): Promise<CachedFileCheck> {
  const linkStats = await lstat(pointerPath);
  const etag = linkStats.isSymbolicLink() ? basename(await readlink(pointerPath)) : knownEtag;
  if (etag === undefined || !SHA256_PATTERN.test(etag)) return { kind: 'unchecked' };

  const blobPath = await realpath(pointerPath);
  const before = await stat(blobPath);
  const signature = `${etag}:${before.ino}:${before.size}:${before.mtimeMs}:${before.ctimeMs}`;
  if (verifiedFiles.get(blobPath) === signature) return { kind: 'verified' };

  const hash = createHash('sha256');
  for await (const chunk of createReadStream(blobPath, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
  }
  const actual = hash.digest('hex');
  if (actual !== etag) return { kind: 'corrupted', expected: etag, actual, blobPath };
  verifiedFiles.set(blobPath, signature);
  return { kind: 'verified' };
}

/** Records a blob this process just checked while downloading it, so it is not hashed again. */
export async function markVerified(blobPath: string, etag: string): Promise<void> {
  const realPath = await realpath(blobPath);
  const stats = await stat(realPath);
  verifiedFiles.set(
    realPath,
    `${etag}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`,
  );
}

/** Deletes a corrupted file: its blob and the snapshot pointer to it. */
export async function deleteCorrupted(pointerPath: string, blobPath: string): Promise<void> {
  verifiedFiles.delete(blobPath);
  await rm(blobPath, { force: true });
  await rm(pointerPath, { force: true });
}
