import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Agent } from 'undici';
import { ModelLoadError } from '../../errors/index.js';
import { describeCachePathError } from './cache-path-error.js';
import { createSnapshotPointer } from './create-snapshot-pointer.js';
import { downloadBlob } from './download-blob.js';
import type {
  DownloadedModelFiles,
  DownloadModelFilesOptions,
} from './download-model-files-options.js';
import {
  type FileMetadataLookup,
  fetchFileMetadata,
  type HubFileMetadata,
  SHA256_PATTERN,
} from './fetch-file-metadata.js';
import { acquireFileLock } from './file-lock.js';
import type { HubClient } from './hub-client.js';
import { hubFileUrl } from './hub-file-url.js';
import { type RepoCachePaths, repoCachePaths } from './repo-cache-paths.js';
import {
  COMMIT_HASH_PATTERN,
  type DownloadConfig,
  resolveDownloadConfig,
} from './resolve-download-config.js';
import {
  deleteCorrupted,
  GIT_SHA1_PATTERN,
  markVerified,
  verifyCachedFile,
} from './verify-cached-file.js';

export type {
  DownloadedModelFiles,
  DownloadModelFilesOptions,
} from './download-model-files-options.js';

/** Files fetched at once. */
const MAX_CONCURRENT_FILES = 4;

/**
 * Makes model files available in the Hugging Face cache, downloading what is missing, the way
 * Python's `huggingface_hub.hf_hub_download` does, so that a model either one fetched is reused by
 * the other without a byte downloaded:
 *
 * - The revision is resolved to a commit with one `HEAD {endpoint}/{repo}/resolve/{revision}/{file}`
 *   (none when it is a commit hash already), recorded in `refs/{revision}`; every file is then
 *   taken at that commit, so the set is consistent even if the branch moves meanwhile.
 * - A file whose `snapshots/{commit}/{file}` exists is used as is (no request), once checked
 *   against its etag (an LFS file's sha256, a git file's blob sha1), once per process, and
 *   fetched again if corrupted (offline: a ModelLoadError naming it).
 * - Otherwise its metadata is read (`X-Linked-Etag`/`ETag`, `X-Linked-Size`, the CDN `Location`),
 *   the blob downloaded under a lock into `blobs/{etag}.incomplete` (resumed with `Range`),
 *   checked (size; sha256 for LFS, git blob sha1 otherwise) and renamed into `blobs/{etag}`, and
 *   `snapshots/{commit}/{file}` made a relative symlink to it.
 * - Offline (option or `HF_HUB_OFFLINE=1`) only the cache is read. When the Hub cannot be reached
 *   or refuses access, a complete cached snapshot of the revision is used instead, as
 *   huggingface_hub falls back.
 *
 * @throws ModelLoadError naming the file: missing offline, absent from the repository, access
 *   refused (with the HF_TOKEN advice), a download that fails or stays corrupted.
 * @throws InvalidInputError naming the option at fault.
 * A caller's abort rejects with `signal.reason`.
 */
export async function downloadModelFiles(
  options: DownloadModelFilesOptions,
): Promise<DownloadedModelFiles> {
  const config = resolveDownloadConfig(options);
  config.signal?.throwIfAborted();
  const paths = repoCachePaths(config.cacheDirectory, config.repo);
  if (config.offline) {
    return loadFromCache(config, paths);
  }

  const dispatcher = new Agent({ connect: { timeout: config.downloadTimeoutMs } });
  // Aborts the other files' downloads when one fails.
  const siblings = new AbortController();
  const client: HubClient = {
    dispatcher,
    endpoint: config.endpoint,
    endpointForMessages: config.endpointForMessages,
    repo: config.repo,
    revision: config.revision,
    token: config.token,
    metadataTimeoutMs: config.metadataTimeoutMs,
    downloadTimeoutMs: config.downloadTimeoutMs,
    signal:
      config.signal === undefined
        ? siblings.signal
        : AbortSignal.any([config.signal, siblings.signal]),
  };
  try {
    return await downloadOnline(config, paths, client, siblings);
  } catch (error) {
    if (config.signal?.aborted) throw config.signal.reason;
    throw describeCachePathError(error, config.cacheDirectory);
  } finally {
    await dispatcher.destroy();
  }
}

interface RequestedFile {
  readonly file: string;
  readonly optional: boolean;
}

async function downloadOnline(
  config: DownloadConfig,
  paths: RepoCachePaths,
  client: HubClient,
  siblings: AbortController,
): Promise<DownloadedModelFiles> {
  const requested: RequestedFile[] = [
    ...config.files.map((file) => ({ file, optional: false })),
    ...config.optionalFiles.map((file) => ({ file, optional: true })),
  ];

  // Resolve the revision to a commit once; every file is then fetched at that commit.
  const lookups = new Map<string, FileMetadataLookup>();
  let commit: string | undefined = COMMIT_HASH_PATTERN.test(config.revision)
    ? config.revision
    : undefined;
  for (const { file } of requested) {
    if (commit !== undefined) break;
    const lookup = await fetchFileMetadata(client, file, config.revision);
    lookups.set(file, lookup);
    if (lookup.kind === 'found') commit = lookup.metadata.commit;
    else if (lookup.kind === 'absent') commit = lookup.commit;
    else if (lookup.fallBackToCache) {
      // The Hub is unreachable or refuses: a complete cached snapshot stands in.
      return loadFromCache(config, paths).catch(() => {
        throw lookup.error;
      });
    } else {
      throw lookup.error;
    }
  }
  if (commit === undefined) {
    // Every file was absent, and the Hub did not say at which commit.
    const required = requested.find((entry) => !entry.optional);
    const lookup = lookups.get(required?.file ?? '');
    if (lookup !== undefined && lookup.kind !== 'found') throw lookup.error;
    return {
      commit: config.revision,
      snapshotDirectory: paths.snapshot(config.revision),
      paths: {},
    };
  }
  if (commit !== config.revision) await writeRef(paths.ref(config.revision), commit);
  pinToCommit(lookups, client, commit);

  const resolvedCommit = commit;
  const located = await mapConcurrently(requested, siblings, (entry) =>
    locateFile(config, paths, client, resolvedCommit, entry, lookups.get(entry.file)).catch(
      (error: unknown) => {
        throw describeCachePathError(error, config.cacheDirectory, entry.file);
      },
    ),
  );
  const result: Record<string, string> = {};
  requested.forEach(({ file }, index) => {
    const path = located[index];
    if (path !== undefined) result[file] = path;
  });
  return { commit, snapshotDirectory: paths.snapshot(commit), paths: result };
}

/**
 * A file the Hub serves itself (no CDN redirect) is then fetched at the commit, not the branch
 * the metadata was asked for, so its content matches the etag even if the branch moves.
 */
function pinToCommit(lookups: Map<string, FileMetadataLookup>, client: HubClient, commit: string) {
  for (const [file, lookup] of lookups) {
    if (
      lookup.kind === 'found' &&
      lookup.metadata.location === hubFileUrl(client.endpoint, client.repo, client.revision, file)
    ) {
      lookups.set(file, {
        kind: 'found',
        metadata: {
          ...lookup.metadata,
          location: hubFileUrl(client.endpoint, client.repo, commit, file),
        },
      });
    }
  }
}

/** One file at the pinned commit: from the snapshot, or downloaded. Undefined: optional, absent. */
async function locateFile(
  config: DownloadConfig,
  paths: RepoCachePaths,
  client: HubClient,
  commit: string,
  { file, optional }: RequestedFile,
  earlierLookup: FileMetadataLookup | undefined,
): Promise<string | undefined> {
  const pointer = paths.pointer(commit, file);
  let metadata: HubFileMetadata | undefined;
  if (earlierLookup?.kind === 'found') metadata = earlierLookup.metadata;
  else if (earlierLookup?.kind === 'absent') {
    return absentFile(paths, commit, file, optional, earlierLookup.error);
  }

  if (await exists(pointer)) {
    if (!config.verifyCachedFiles) return pointer;
    const check = await verifyCachedFile(pointer, metadata?.etag);
    if (check.kind !== 'corrupted') return pointer;
    await deleteCorrupted(pointer, check.blobPath);
  } else if (optional && (await exists(paths.noExist(commit, file)))) {
    return undefined;
  }

  if (metadata === undefined) {
    const lookup = await fetchFileMetadata(client, file, commit);
    if (lookup.kind === 'absent') return absentFile(paths, commit, file, optional, lookup.error);
    if (lookup.kind === 'failed') throw lookup.error;
    metadata = lookup.metadata;
  }
  await placeBlob(config, paths, client, file, metadata, pointer);
  return pointer;
}

/** Records a 404 as huggingface_hub does (`.no_exist/{commit}/{file}`); fatal unless optional. */
async function absentFile(
  paths: RepoCachePaths,
  commit: string | undefined,
  file: string,
  optional: boolean,
  error: ModelLoadError,
): Promise<undefined> {
  if (commit !== undefined) {
    // Only a hint for later lookups: a read-only cache must not fail the call.
    await touchMarker(paths.noExist(commit, file)).catch(() => {});
  }
  if (!optional) throw error;
  return undefined;
}

/** Makes `blobs/{etag}` exist with the right content, then points the snapshot at it. */
async function placeBlob(
  config: DownloadConfig,
  paths: RepoCachePaths,
  client: HubClient,
  file: string,
  metadata: HubFileMetadata,
  pointer: string,
): Promise<void> {
  const { etag } = metadata;
  const blobPath = paths.blob(etag);
  const sha256 = SHA256_PATTERN.test(etag) ? etag : undefined;
  const gitSha1 = GIT_SHA1_PATTERN.test(etag) ? etag : undefined;
  await mkdir(dirname(blobPath), { recursive: true });
  const blobIsGood = async () => {
    if (!config.verifyCachedFiles) return true;
    const check = await verifyCachedFile(blobPath, etag);
    return check.kind !== 'corrupted';
  };

  let sawCorruptedBlob = false;
  for (;;) {
    if (await exists(blobPath)) {
      if (await blobIsGood()) {
        await createSnapshotPointer(blobPath, pointer);
        return;
      }
      sawCorruptedBlob = true;
    }
    const lock = await acquireFileLock(`${blobPath}.lock`, {
      staleMs: config.lockStaleMs,
      signal: client.signal,
      // A waiter is done when the holder has placed the blob (not when a corrupted one sits there).
      isDone: sawCorruptedBlob ? undefined : () => exists(blobPath),
    });
    if (lock === undefined) continue;
    try {
      if (await exists(blobPath)) {
        if (await blobIsGood()) {
          await createSnapshotPointer(blobPath, pointer);
          return;
        }
        await rm(blobPath, { force: true });
      }
      await downloadBlob(
        client,
        {
          file,
          url: metadata.location,
          expectedSize: metadata.size,
          sha256,
          gitSha1,
          incompletePath: `${blobPath}.incomplete`,
          blobPath,
        },
        config.onDownloadProgress,
      );
      if (sha256 !== undefined || gitSha1 !== undefined) await markVerified(blobPath, etag);
      await createSnapshotPointer(blobPath, pointer);
      return;
    } finally {
      await lock.release();
    }
  }
}

/** Offline: the commit from `refs/{revision}` (or the revision itself) and its snapshot only. */
async function loadFromCache(
  config: DownloadConfig,
  paths: RepoCachePaths,
): Promise<DownloadedModelFiles> {
  const { repo, revision } = config;
  const commit = COMMIT_HASH_PATTERN.test(revision) ? revision : await readRef(paths.ref(revision));
  const result: Record<string, string> = {};
  const missing: string[] = [];
  for (const [file, optional] of [
    ...config.files.map((file) => [file, false] as const),
    ...config.optionalFiles.map((file) => [file, true] as const),
  ]) {
    const pointer = commit === undefined ? undefined : paths.pointer(commit, file);
    if (pointer !== undefined && (await isDanglingLink(pointer))) {
      // Left as it is, onnxruntime would report a missing `.onnx_data` as a path that "escapes
      // model directory", and a missing required file would look merely absent.
      throw new ModelLoadError(
        `${file} of ${repo} in the Hugging Face cache (${pointer}) is a symlink to ${await readlink(pointer)}, which does not exist: its blob was deleted. ` +
          'Offline mode is on (offline: true or HF_HUB_OFFLINE=1), so it cannot be downloaded again: go online once to replace it.',
        { file },
      );
    }
    if (pointer === undefined || !(await exists(pointer))) {
      if (!optional) missing.push(file);
      continue;
    }
    if (config.verifyCachedFiles) {
      const check = await verifyCachedFile(pointer);
      if (check.kind === 'corrupted') {
        throw new ModelLoadError(
          `${file} of ${repo} in the Hugging Face cache (${check.blobPath}) is corrupted: its ${check.algorithm} is ${check.actual}, not ${check.expected}. ` +
            'Offline mode is on (offline: true or HF_HUB_OFFLINE=1), so it cannot be downloaded again: go online once to replace it.',
          { file },
        );
      }
    }
    result[file] = pointer;
  }
  if (missing.length > 0 || commit === undefined) {
    const first = missing[0] ?? config.files[0] ?? config.optionalFiles[0] ?? '';
    const where =
      commit === undefined
        ? `the cache at ${config.cacheDirectory} has no snapshot of revision "${revision}" (no refs/${revision})`
        : `it is not in the cache snapshot ${paths.snapshot(commit)}`;
    throw new ModelLoadError(
      `${first} of ${repo} is needed but ${where}, and offline mode is on (offline: true or HF_HUB_OFFLINE=1), so nothing is downloaded. ` +
        `Missing: ${missing.join(', ')}. Run once online to fetch the model, or point cacheDir (or modelPath) at a copy that has it.`,
      { file: first },
    );
  }
  return { commit, snapshotDirectory: paths.snapshot(commit), paths: result };
}

/**
 * Creates `path` if it is missing, as huggingface_hub's `Path.touch()`: never truncating a file
 * that is there (no `O_TRUNC`), and never through a symlink at its place (`O_NOFOLLOW`, where
 * the platform has it).
 */
async function touchMarker(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(
    path,
    constants.O_WRONLY | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0),
  );
  await handle.close();
}

/**
 * The commit `refs/{revision}` records, when it holds a 40-hex commit hash: anything else (a
 * `..` written there to reach out of `snapshots/`) is treated as no ref at all.
 */
async function readRef(refPath: string): Promise<string | undefined> {
  try {
    const commit = (await readFile(refPath, 'utf8')).trim();
    return COMMIT_HASH_PATTERN.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** Records the commit a revision resolved to, only when it changed (a read-only cache stays usable). */
async function writeRef(refPath: string, commit: string): Promise<void> {
  if ((await readRef(refPath)) === commit) return;
  await mkdir(dirname(refPath), { recursive: true });
  await writeFile(refPath, commit);
}

/** A symlink whose target is missing. */
async function isDanglingLink(path: string): Promise<boolean> {
  try {
    if (!(await lstat(path)).isSymbolicLink()) return false;
  } catch {
    return false;
  }
  return !(await exists(path));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `task` over `items`, a few at a time, keeping the order. The first failure aborts the
 * others (through `siblings`), which are awaited, so no download or lock outlives the call.
 */
async function mapConcurrently<T, R>(
  items: readonly T[],
  siblings: AbortController,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let firstError: { error: unknown } | undefined;
  const worker = async () => {
    while (firstError === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T);
      } catch (error) {
        if (firstError === undefined) {
          firstError = { error };
          siblings.abort(new Error('Another model file failed to download.'));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_FILES, items.length) }, worker));
  if (firstError !== undefined) throw firstError.error;
  return results;
}
