import { join } from 'node:path';

/** Paths of one repository inside the Hugging Face cache (`models--{org}--{name}`). */
export interface RepoCachePaths {
  /** `{cache}/models--{org}--{name}` */
  readonly storageFolder: string;
  /** `{storage}/blobs/{etag}`: the file content, named by its git sha1 or LFS sha256. */
  blob(etag: string): string;
  /** `{storage}/snapshots/{commit}`: one folder per commit, of pointers into `blobs`. */
  snapshot(commit: string): string;
  /** `{storage}/snapshots/{commit}/{file}`: the pointer (a relative symlink) to the file's blob. */
  pointer(commit: string, file: string): string;
  /** `{storage}/refs/{revision}`: the commit a branch or tag resolved to, last time online. */
  ref(revision: string): string;
  /** `{storage}/.no_exist/{commit}/{file}`: marks a file the Hub said is absent at that commit. */
  noExist(commit: string, file: string): string;
}

/**
 * Lays out a repository's cache folder the way `huggingface_hub` does, so a model downloaded by
 * either is found by the other.
 *
 * @param cacheDirectory - The resolved Hub cache folder (see `resolveCacheDirectory`).
 * @param repo - `org/name` (or a bare `name`).
 */
export function repoCachePaths(cacheDirectory: string, repo: string): RepoCachePaths {
  const storageFolder = join(cacheDirectory, ['models', ...repo.split('/')].join('--'));
  const fileSegments = (file: string) => file.split('/');
  return {
    storageFolder,
    blob: (etag) => join(storageFolder, 'blobs', etag),
    snapshot: (commit) => join(storageFolder, 'snapshots', commit),
    pointer: (commit, file) => join(storageFolder, 'snapshots', commit, ...fileSegments(file)),
    ref: (revision) => join(storageFolder, 'refs', ...revision.split('/')),
    noExist: (commit, file) => join(storageFolder, '.no_exist', commit, ...fileSegments(file)),
  };
}
