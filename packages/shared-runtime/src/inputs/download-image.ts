import { Buffer } from 'node:buffer';
import { type Dispatcher, request } from 'undici';
import { IMAGE_LOAD_REASONS, ImageLoadError } from '../errors/image-load-error.js';
import { BLOCKED_ADDRESS_CODE, createDownloadDispatcher } from './create-download-dispatcher.js';
import { describeError, describeUrl, fail, failTooLarge } from './image-load-failure.js';
import type { ImageSourceConfig } from './image-source-options.js';
import type { LoadedImage } from './loaded-image.js';

/** Download dispatchers, one per address policy and redirect count, built on first use. */
const dispatchers = new Map<string, Dispatcher>();

function getDownloadDispatcher(policy: ImageSourceConfig): Dispatcher {
  const key = `${policy.allowPrivateNetwork}:${policy.maxRedirects}`;
  let dispatcher = dispatchers.get(key);
  if (dispatcher === undefined) {
    dispatcher = createDownloadDispatcher(policy);
    dispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

/**
 * Downloads `url` under the policy: at most `imageDownloadTimeout` ms for headers and body
 * together, at most `maxImageBytes` (a larger Content-Length is refused before the body, and
 * the body is counted as it streams), at most `maxRedirects` redirects, and no connection to a
 * private address unless `allowPrivateNetwork`.
 */
export async function downloadImage(
  url: URL,
  inputIndex: number,
  options: { signal: AbortSignal | undefined; policy: ImageSourceConfig },
): Promise<LoadedImage> {
  const { signal, policy } = options;
  const description = describeUrl(url);
  const maxBytes = policy.maxImageBytes;
  const timeout = AbortSignal.timeout(policy.imageDownloadTimeout);
  const downloadSignal = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    const response = await request(url, {
      method: 'GET',
      headers: { accept: 'image/*, */*;q=0.8' },
      dispatcher: getDownloadDispatcher(policy),
      signal: downloadSignal,
    });
    const { statusCode } = response;
    if (statusCode < 200 || statusCode >= 300) {
      discard(response.body);
      if (statusCode >= 300 && statusCode < 400 && response.headers.location !== undefined) {
        fail(inputIndex, description, `more than maxRedirects (${policy.maxRedirects}) redirects`, {
          reason: IMAGE_LOAD_REASONS.tooManyRedirects,
          limit: policy.maxRedirects,
        });
      }
      fail(inputIndex, description, `the server answered HTTP ${statusCode}`, {
        reason:
          statusCode === 404 || statusCode === 410
            ? IMAGE_LOAD_REASONS.notFound
            : IMAGE_LOAD_REASONS.unreadable,
      });
    }
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      discard(response.body);
      failTooLarge(inputIndex, description, maxBytes);
    }
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > maxBytes) {
        discard(response.body);
        failTooLarge(inputIndex, description, maxBytes);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (ImageLoadError.isInstance(error)) throw error;
    if (timeout.aborted) {
      fail(
        inputIndex,
        description,
        `the download took longer than imageDownloadTimeout (${policy.imageDownloadTimeout} ms)`,
        { reason: IMAGE_LOAD_REASONS.timeout, limit: policy.imageDownloadTimeout, cause: error },
      );
    }
    const blocked = findCode(error, BLOCKED_ADDRESS_CODE);
    if (blocked !== undefined) {
      fail(
        inputIndex,
        description,
        `${blocked.message} (set allowPrivateNetwork to download from it)`,
        { reason: IMAGE_LOAD_REASONS.blockedAddress, cause: error },
      );
    }
    fail(inputIndex, description, describeError(error), {
      reason: IMAGE_LOAD_REASONS.unreadable,
      cause: error,
    });
  }
  if (total === 0) {
    fail(inputIndex, description, 'the response is empty', { reason: IMAGE_LOAD_REASONS.empty });
  }
  return { kind: 'bytes', bytes: Buffer.concat(chunks, total), description };
}

/** Closes a response body that will not be read (its abort error is expected, not unhandled). */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

/** The error in `error`'s cause chain whose `code` is `code`. */
function findCode(error: unknown, code: string): Error | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if ((current as { code?: unknown }).code === code) return current;
    current = current.cause;
  }
  return undefined;
}
