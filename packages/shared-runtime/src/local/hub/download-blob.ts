import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ModelLoadError } from '../../errors/index.js';
import type { DownloadProgress } from '../local-backend-options.js';
import { checkFreeDiskSpace } from './check-free-disk-space.js';
import { type HubClient, type HubResponse, headerValue, openHubRequest } from './hub-client.js';
import { fileChecksum } from './verify-cached-file.js';

/** One blob to fetch into the cache. */
export interface BlobDownload {
  /** Repository path, for progress and messages. */
  readonly file: string;
  /** Where to `GET` (the CDN location the metadata request returned, or the Hub URL). */
  readonly url: string;
  /** Size the Hub announced: the download is cut off, and refused, past it. */
  readonly expectedSize: number;
  /** The LFS sha256 the content must hash to; undefined for a git (non-LFS) file. */
  readonly sha256: string | undefined;
  /** The git blob sha1 a file kept in git (non-LFS) must have; undefined for an LFS file. */
  readonly gitSha1?: string | undefined;
  /** `blobs/{etag}.incomplete`: written, and resumed, here. */
  readonly incompletePath: string;
  /** `blobs/{etag}`: renamed into place once complete and checked. */
  readonly blobPath: string;
}

/** Consecutive connection failures without a byte received before a download gives up. */
const MAX_CONSECUTIVE_FAILURES = 5;
const PROGRESS_INTERVAL_MS = 100;

/**
 * Downloads a blob to `{blob}.incomplete` (resuming a partial file with `Range`), checks its
 * size and its checksum (an LFS file's sha256, a git file's blob sha1), then renames it into place, so a reader never sees a
 * half-written or corrupted blob. A failed check deletes the partial file and downloads once
 * more from scratch; a second failure throws. The caller holds the blob's lock.
 *
 * @throws ModelLoadError when the download fails or its content is wrong twice.
 */
export async function downloadBlob(
  client: HubClient,
  download: BlobDownload,
  onDownloadProgress: ((progress: DownloadProgress) => void) | undefined,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const received = await fetchToIncomplete(client, download, onDownloadProgress);
    // A git file is small (the Hub keeps files of 10 MB and more in LFS): hashed once complete.
    const gitSha1 =
      download.gitSha1 === undefined
        ? undefined
        : await fileChecksum(download.incompletePath, 'git sha1');
    const problem = checkReceived({ ...received, gitSha1 }, download);
    if (problem === undefined) {
      await rename(download.incompletePath, download.blobPath);
      return;
    }
    await rm(download.incompletePath, { force: true });
    if (attempt >= 2) {
      throw new ModelLoadError(
        `${download.file} of ${client.repo} was downloaded twice and both copies were wrong (${problem}). ` +
          'Something between this machine and the Hub alters the download (a proxy, a full or failing disk); the partial file was deleted.',
        { file: download.file },
      );
    }
  }
}

interface Received {
  readonly size: number;
  readonly sha256: string | undefined;
  readonly gitSha1?: string | undefined;
}

function checkReceived(received: Received, download: BlobDownload): string | undefined {
  if (received.size !== download.expectedSize) {
    return `${received.size} bytes instead of ${download.expectedSize}`;
  }
  if (download.sha256 !== undefined && received.sha256 !== download.sha256) {
    return `sha256 ${received.sha256} instead of ${download.sha256}`;
  }
  if (download.gitSha1 !== undefined && received.gitSha1 !== download.gitSha1) {
    return `git sha1 ${received.gitSha1} instead of ${download.gitSha1}`;
  }
  return undefined;
}

/** Brings `{blob}.incomplete` to the full size, resuming what is there and what a cut leaves. */
async function fetchToIncomplete(
  client: HubClient,
  download: BlobDownload,
  onDownloadProgress: ((progress: DownloadProgress) => void) | undefined,
): Promise<Received> {
  const { file, expectedSize, incompletePath } = download;
  // Append mode: every write lands at the end, also after a truncate to restart.
  const handle = await open(incompletePath, 'a');
  try {
    let size = (await handle.stat()).size;
    if (size < expectedSize) {
      await checkFreeDiskSpace(dirname(incompletePath), expectedSize - size, file, client.repo);
    }
    let hash = download.sha256 === undefined ? undefined : createHash('sha256');
    const restart = async () => {
      await handle.truncate(0);
      size = 0;
      hash = download.sha256 === undefined ? undefined : createHash('sha256');
    };
    if (size > expectedSize) await restart();
    if (hash !== undefined && size > 0) await hashFilePrefix(incompletePath, size, hash);

    const total = expectedSize;
    const report = throttledProgress(file, onDownloadProgress);
    let failures = 0;
    while (size < expectedSize) {
      let response: HubResponse;
      try {
        response = await openHubRequest(client, download.url, {
          method: 'GET',
          follow: 'all',
          range: size,
        });
      } catch (error) {
        if (client.signal?.aborted) throw client.signal.reason;
        if (error instanceof ModelLoadError) throw error;
        failures = await afterFailure(client, download, failures, error);
        continue;
      }

      const { statusCode, headers } = response;
      const contentRange = parseContentRange(headerValue(headers, 'content-range'));
      if (statusCode === 416 && size > 0) {
        // Nothing past `size`: complete if the server's size agrees, else start over.
        await response.body.dump();
        if (contentRange?.total === size) break;
        await restart();
        continue;
      }
      if (statusCode === 206 && contentRange?.start !== size) {
        await response.body.dump();
        await restart();
        continue;
      }
      if (statusCode !== 200 && statusCode !== 206) {
        await response.body.dump();
        throw new ModelLoadError(
          `Downloading ${file} of ${client.repo} failed: HTTP ${statusCode} from ${new URL(response.url).origin}.`,
          { file },
        );
      }
      // A 200 to a ranged request: the server ignored the range and sends everything.
      if (statusCode === 200 && size > 0) await restart();

      const contentLength = Number(headerValue(headers, 'content-length'));
      if (Number.isFinite(contentLength) && size + contentLength > expectedSize) {
        if (!response.body.destroyed) response.body.destroy();
        await restart();
        throw oversized(client, download, `Content-Length ${contentLength} from byte ${size}`);
      }
      report(size, total, false);

      let streamError: unknown;
      const chunks = response.body[Symbol.asyncIterator]();
      try {
        for (;;) {
          let next: IteratorResult<Buffer>;
          try {
            next = await chunks.next();
          } catch (error) {
            streamError = error;
            break;
          }
          if (next.done) break;
          if (size + next.value.length > expectedSize) {
            // More than the metadata promised: nothing past it reaches the disk.
            await restart();
            throw oversized(client, download, `more than ${expectedSize} bytes received`);
          }
          // Disk and progress-callback errors are not the connection's: they propagate.
          await handle.write(next.value);
          hash?.update(next.value);
          size += next.value.length;
          failures = 0;
          report(size, total, false);
        }
      } finally {
        if (!response.body.destroyed) response.body.destroy();
      }
      if (streamError === undefined && size >= expectedSize) break;
      if (client.signal?.aborted) throw client.signal.reason;
      failures = await afterFailure(
        client,
        download,
        failures,
        streamError ?? new Error(`the connection ended after ${size} of ${total} bytes`),
      );
    }
    report(size, total, true);
    return { size, sha256: hash?.digest('hex') };
  } finally {
    await handle.close();
  }
}

/** The error of a download that runs past the size its metadata announced (not retried). */
function oversized(client: HubClient, download: BlobDownload, what: string): ModelLoadError {
  return new ModelLoadError(
    `Downloading ${download.file} of ${client.repo} was stopped: the server sent more than the ${download.expectedSize} bytes the Hub announced (${what}). ` +
      'The partial file was emptied; check HF_ENDPOINT and any proxy between this machine and the Hub.',
    { file: download.file },
  );
}

/** Counts a connection failure, waits before the next try (resuming), or gives up. */
async function afterFailure(
  client: HubClient,
  download: BlobDownload,
  failures: number,
  error: unknown,
): Promise<number> {
  const count = failures + 1;
  if (count > MAX_CONSECUTIVE_FAILURES) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModelLoadError(
      `Downloading ${download.file} of ${client.repo} failed ${count} times in a row (${reason}). ` +
        'What was received is kept and the next attempt resumes from it.',
      { file: download.file, cause: error },
    );
  }
  try {
    await sleep(Math.min(100 * 2 ** (count - 1), 2_000), undefined, { signal: client.signal });
  } catch (sleepError) {
    if (client.signal?.aborted) throw client.signal.reason;
    throw sleepError;
  }
  return count;
}

/** `Content-Range: bytes start-end/total` (or `bytes * /total` with a 416). */
function parseContentRange(
  value: string | undefined,
): { start: number | undefined; total: number | undefined } | undefined {
  const match =
    value === undefined ? null : /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(value.trim());
  if (match === null) return undefined;
  return {
    start: match[1] === undefined ? undefined : Number(match[1]),
    total: match[2] === undefined || match[2] === '*' ? undefined : Number(match[2]),
  };
}

async function hashFilePrefix(path: string, length: number, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path, {
    start: 0,
    end: length - 1,
    highWaterMark: 1 << 20,
  })) {
    hash.update(chunk as Buffer);
  }
}

/** Reports at most every 100 ms, plus the first and the final call. */
function throttledProgress(
  file: string,
  onDownloadProgress: ((progress: DownloadProgress) => void) | undefined,
): (loaded: number, total: number | undefined, final: boolean) => void {
  let lastReport = Number.NEGATIVE_INFINITY;
  return (loaded, total, final) => {
    if (onDownloadProgress === undefined) return;
    const now = performance.now();
    if (!final && now - lastReport < PROGRESS_INTERVAL_MS) return;
    lastReport = now;
    onDownloadProgress({ file, loaded, total });
  };
}
