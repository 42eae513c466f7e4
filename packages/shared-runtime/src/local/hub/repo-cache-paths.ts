import { isAbsolute, join, relative } from 'node:path';
import { ModelLoadError } from '../../errors/index.js';
import { messageText } from '../../errors/message-text.js';

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
 * Joins `segments` (each split on `/`) under `folder` and checks that the result lies strictly
 * inside it: the one join every cache path goes through. Names come from the caller (files,
 * revision) and from the Hub (commit, etag), so a `..` anywhere must not reach out of the cache,
 * as huggingface_hub's `_get_pointer_path` refuses a pointer outside `snapshots/`.
 *
 * @throws ModelLoadError naming the segment that would escape.
 */
export function joinInside(folder: string, ...segments: readonly string[]): string {
  const parts = segments.flatMap((segment) => segment.split('/'));
  const path = join(folder, ...parts);
  const inside = relative(folder, path);
  if (
    parts.some((part) => part === '' || part === '.' || part === '..' || part.includes('\\')) ||
    inside === '' ||
    inside.startsWith('..') ||
    isAbsolute(inside)
  ) {
    throw new ModelLoadError(
      `Refused a Hugging Face cache path outside ${folder}: "${messageText(segments.join('/'), 200)}" is not a plain relative path (a name from the Hub or the cache holds "..", "." or an empty segment).`,
    );
  }
  return path;
}

/**
 * Lays out a repository's cache folder the way `huggingface_hub` does, so a model downloaded by
 * either is found by the other. Every path is made by {@link joinInside}: none leaves the
 * repository's folder.
 *
 * @param cacheDirectory - The resolved Hub cache folder (see `resolveCacheDirectory`).
 * @param repo - `org/name` (or a bare `name`).
 */
export function repoCachePaths(cacheDirectory: string, repo: string): RepoCachePaths {
  const storageFolder = joinInside(cacheDirectory, ['models', ...repo.split('/')].join('--'));
  return {
    storageFolder,
    blob: (etag) => joinInside(storageFolder, 'blobs', etag),
    snapshot: (commit) => joinInside(storageFolder, 'snapshots', commit),
    pointer: (commit, file) => joinInside(joinInside(storageFolder, 'snapshots', commit), file),
    ref: (revision) => joinInside(storageFolder, 'refs', revision),
    noExist: (commit, file) => joinInside(joinInside(storageFolder, '.no_exist', commit), file),
  };
}
