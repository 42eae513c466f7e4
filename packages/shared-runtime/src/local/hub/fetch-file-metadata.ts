import { ModelLoadError } from '../../errors/index.js';
import { messageText } from '../../errors/message-text.js';
import { type HubClient, headerValue, openHubRequest } from './hub-client.js';
import { hubFileUrl } from './hub-file-url.js';
import { COMMIT_HASH_PATTERN } from './resolve-download-config.js';
import { GIT_SHA1_PATTERN } from './verify-cached-file.js';

/** What the Hub says about one file at one revision (huggingface_hub's `HfFileMetadata`). */
export interface HubFileMetadata {
  /** `X-Repo-Commit`: the commit the revision resolved to. */
  readonly commit: string;
  /**
   * `X-Linked-Etag` (an LFS file's sha256) or else `ETag` (a git file's sha1), unquoted: the
   * file's blob name in the cache, and the checksum its download is verified against.
   */
  readonly etag: string;
  /** `X-Linked-Size` or else `Content-Length`: a download is cut off past it. */
  readonly size: number;
  /** Where to download: the CDN URL of a redirect, else the (relative-redirected) Hub URL. */
  readonly location: string;
}

/** The outcome of a metadata request. */
export type FileMetadataLookup =
  | { readonly kind: 'found'; readonly metadata: HubFileMetadata }
  /**
   * 404 for the file: the repository and revision exist, the file does not. `commit` is the
   * `X-Repo-Commit` of the answer when it is a 40-hex commit hash (anything else is ignored).
   */
  | { readonly kind: 'absent'; readonly commit: string | undefined; readonly error: ModelLoadError }
  /**
   * Anything else: unreachable Hub, 401/403 (gated or private), 5xx, a non-Hub answer.
   * `fallBackToCache` says whether a cached copy may stand in (true except for an unknown
   * revision), as huggingface_hub lets it.
   */
  | { readonly kind: 'failed'; readonly error: ModelLoadError; readonly fallBackToCache: boolean };

/** The sha256 form of an LFS etag: the blob's content hash, which a download is checked against. */
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/**
 * `HEAD {endpoint}/{repo}/resolve/{revision}/{file}` without following the CDN redirect, read
 * as huggingface_hub's `get_hf_file_metadata` reads it. A caller's abort rejects with
 * `signal.reason`; every other failure is returned, not thrown.
 */
export async function fetchFileMetadata(
  client: HubClient,
  file: string,
  revision: string,
): Promise<FileMetadataLookup> {
  const url = hubFileUrl(client.endpoint, client.repo, revision, file);
  let response: Awaited<ReturnType<typeof openHubRequest>>;
  try {
    response = await openHubRequest(client, url, { method: 'HEAD', follow: 'relative' });
    await response.body.dump();
  } catch (error) {
    if (client.signal?.aborted) throw client.signal.reason;
    if (error instanceof ModelLoadError) return { kind: 'failed', error, fallBackToCache: true };
    const timedOut = (error as { code?: unknown } | null)?.code === 'UND_ERR_HEADERS_TIMEOUT';
    const reason = timedOut
      ? `no answer within ${client.metadataTimeoutMs} ms (HF_HUB_ETAG_TIMEOUT or the hubMetadataTimeout option)`
      : messageText(error instanceof Error ? error.message : String(error));
    return {
      kind: 'failed',
      fallBackToCache: true,
      error: new ModelLoadError(
        `Could not reach the Hugging Face Hub at ${client.endpointForMessages} for ${file} of ${client.repo} (${reason}). ` +
          'Check the connection (and HF_ENDPOINT), or set HF_HUB_OFFLINE=1 to use the cache only.',
        { file, cause: error },
      ),
    };
  }

  const { statusCode, headers } = response;
  const commit = headerValue(headers, 'x-repo-commit');
  if (statusCode >= 400) return describeErrorResponse(client, file, statusCode, headers);

  const etag = normalizeEtag(headerValue(headers, 'x-linked-etag') ?? headerValue(headers, 'etag'));
  if (commit === undefined || !COMMIT_HASH_PATTERN.test(commit) || etag === undefined) {
    return {
      kind: 'failed',
      fallBackToCache: true,
      error: new ModelLoadError(
        `${client.endpointForMessages} answered for ${file} of ${client.repo} without the Hub's X-Repo-Commit (a 40-hex commit hash) and ETag headers: ` +
          'it does not look like a Hugging Face Hub (check HF_ENDPOINT, proxy and firewall settings).',
        { file },
      ),
    };
  }
  // The etag names the blob in the cache and is the only checksum the download is checked
  // against: one that is neither an LFS sha256 nor a git sha1 would let any content in.
  if (!SHA256_PATTERN.test(etag) && !GIT_SHA1_PATTERN.test(etag)) {
    return {
      kind: 'failed',
      fallBackToCache: true,
      error: new ModelLoadError(
        `${client.endpointForMessages} answered for ${file} of ${client.repo} with an ETag that is neither a sha256 (LFS) nor a git sha1 ("${messageText(etag, 100)}"): ` +
          'the file could not be verified, so it is not downloaded (check HF_ENDPOINT, proxy and firewall settings).',
        { file },
      ),
    };
  }
  const size = parseSize(
    headerValue(headers, 'x-linked-size') ?? headerValue(headers, 'content-length'),
  );
  if (size === undefined) {
    return {
      kind: 'failed',
      fallBackToCache: true,
      error: new ModelLoadError(
        `${client.endpointForMessages} answered for ${file} of ${client.repo} without its size (X-Linked-Size or Content-Length): ` +
          'a download of unknown size could fill the disk, so it is not made (check HF_ENDPOINT, proxy and firewall settings).',
        { file },
      ),
    };
  }
  const location = headerValue(headers, 'location');
  return {
    kind: 'found',
    metadata: {
      commit,
      etag,
      size,
      location:
        statusCode >= 300 && statusCode < 400 && location !== undefined
          ? new URL(location, response.url).href
          : response.url,
    },
  };
}

function describeErrorResponse(
  client: HubClient,
  file: string,
  statusCode: number,
  headers: Record<string, string | string[] | undefined>,
): FileMetadataLookup {
  // Messages name the caller's revision, not the commit it may have been pinned to.
  const { repo, revision } = client;
  const errorCode = headerValue(headers, 'x-error-code');
  const serverMessage = headerValue(headers, 'x-error-message');
  const said =
    serverMessage === undefined ? '' : ` The Hub said: "${messageText(serverMessage, 300)}"`;
  const status = `HTTP ${statusCode}${errorCode === undefined ? '' : ` ${messageText(errorCode, 100)}`}`;

  if (statusCode === 404 && (errorCode === undefined || errorCode === 'EntryNotFound')) {
    // The commit names a folder in the cache (`.no_exist/{commit}`): only a commit hash will do.
    const commit = headerValue(headers, 'x-repo-commit');
    return {
      kind: 'absent',
      commit: commit !== undefined && COMMIT_HASH_PATTERN.test(commit) ? commit : undefined,
      error: new ModelLoadError(
        `${file} was not found in ${repo} at revision ${revision} (${status}).`,
        { file },
      ),
    };
  }
  if (statusCode === 404 && errorCode === 'RevisionNotFound') {
    return {
      kind: 'failed',
      fallBackToCache: false,
      error: new ModelLoadError(
        `Revision "${revision}" was not found in ${repo} (${status}).${said}`,
        { file },
      ),
    };
  }
  if (
    statusCode === 401 ||
    statusCode === 403 ||
    errorCode === 'RepoNotFound' ||
    errorCode === 'GatedRepo'
  ) {
    const tokenAdvice =
      client.token === undefined
        ? 'Set HF_TOKEN (or the hfToken option) to a Hugging Face token with read access'
        : 'The token given was refused or lacks access: use a Hugging Face token with read access to it (HF_TOKEN or the hfToken option)';
    return {
      kind: 'failed',
      fallBackToCache: true,
      error: new ModelLoadError(
        `Access to ${repo} was refused (${status}) while fetching ${file}: the repository is gated or private, or does not exist. ` +
          `${tokenAdvice}, and accept the model's terms on its page (${client.endpointForMessages}/${repo}).${said}`,
        { file },
      ),
    };
  }
  return {
    kind: 'failed',
    fallBackToCache: true,
    error: new ModelLoadError(
      `The Hugging Face Hub answered ${status} for ${file} of ${repo} at revision ${revision}.${said}`,
      { file },
    ),
  };
}

/** huggingface_hub's `_normalize_etag`: drop a weak marker and the quotes. */
function normalizeEtag(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  const normalized = etag.replace(/^W\//, '').replace(/^"|"$/g, '');
  return normalized === '' ? undefined : normalized;
}

function parseSize(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
