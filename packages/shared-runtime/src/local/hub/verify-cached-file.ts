import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readlink, realpath, rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { SHA256_PATTERN } from './fetch-file-metadata.js';

/** The outcome of {@link verifyCachedFile}. */
export type CachedFileCheck =
  | { readonly kind: 'verified' }
  /** Its etag is neither a sha256 nor a git sha1 (a copy whose etag is unknown, offline). */
  | { readonly kind: 'unchecked' }
  | {
      readonly kind: 'corrupted';
      /** What the etag is: an LFS file's `sha256`, a git file's `git sha1` (of `blob <size>\0…`). */
      readonly algorithm: ChecksumAlgorithm;
      readonly expected: string;
      readonly actual: string;
      /** The blob's real path (the file itself where the cache holds copies). */
      readonly blobPath: string;
    };

/** How a Hub etag names its content. */
export type ChecksumAlgorithm = 'sha256' | 'git sha1';

/** A git file's etag: the sha1 git gives its blob. */
export const GIT_SHA1_PATTERN = /^[0-9a-f]{40}$/;

/** How `etag` is checked, if it can be. */
export function checksumAlgorithmOf(etag: string | undefined): ChecksumAlgorithm | undefined {
  if (etag === undefined) return undefined;
  if (SHA256_PATTERN.test(etag)) return 'sha256';
  if (GIT_SHA1_PATTERN.test(etag)) return 'git sha1';
  return undefined;
}

/**
 * The checksum of the file at `path` as the Hub names it: the sha256 of its bytes (LFS), or git's
 * blob id, the sha1 of `blob <size>\0` followed by its bytes (a file kept in git itself).
 */
export async function fileChecksum(path: string, algorithm: ChecksumAlgorithm): Promise<string> {
  const hash = createHash(algorithm === 'sha256' ? 'sha256' : 'sha1');
  if (algorithm === 'git sha1') hash.update(`blob ${(await stat(path)).size}\0`);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/**
 * Files this process checked, by real path, with the stat they had then. Held in memory only:
 * the cache gets nothing extra, and a blob is hashed at most once per process (until it
 * changes on disk).
 */
const verifiedFiles = new Map<string, string>();

/**
 * Checks a cached file against its etag before it is first used in this process: an LFS file
 * (a sha256 etag) by its sha256, a file kept in git (`config.json`, `tokenizer.json`,
 * `preprocessor_config.json`: a 40-hex git sha1 etag) by its git blob sha1.
 *
 * huggingface_hub trusts its cache; this does not, because a truncated or bit-flipped ONNX file
 * fails later with an obscure onnxruntime error, or worse, loads and computes wrong vectors, and
 * a truncated `config.json` fails every run as invalid JSON while a changed digit in
 * `preprocessor_config.json` silently moves every image vector. Hashing is cheap next to what
 * follows: the file is read whole right after (which the hash read also warms the page cache
 * for), and it happens once per process.
 *
 * The expected checksum is the Hub's etag: the blob's own name, read from the snapshot symlink
 * (so it works offline), or `knownEtag` from the Hub's headers.
 */
export async function verifyCachedFile(
  pointerPath: string,
  knownEtag?: string,
): Promise<CachedFileCheck> {
  const linkStats = await lstat(pointerPath);
  const etag = linkStats.isSymbolicLink() ? basename(await readlink(pointerPath)) : knownEtag;
  const algorithm = checksumAlgorithmOf(etag);
  if (etag === undefined || algorithm === undefined) return { kind: 'unchecked' };

  const blobPath = await realpath(pointerPath);
  const before = await stat(blobPath);
  const signature = `${etag}:${before.ino}:${before.size}:${before.mtimeMs}:${before.ctimeMs}`;
  if (verifiedFiles.get(blobPath) === signature) return { kind: 'verified' };

  const actual = await fileChecksum(blobPath, algorithm);
  if (actual !== etag) return { kind: 'corrupted', algorithm, expected: etag, actual, blobPath };
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
