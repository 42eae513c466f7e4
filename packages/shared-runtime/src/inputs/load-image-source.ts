import { fileURLToPath } from 'node:url';
import { IMAGE_LOAD_REASONS } from '../errors/image-load-error.js';
import { messageText } from '../errors/message-text.js';
import { decodeDataUri } from './decode-data-uri.js';
import { downloadImage } from './download-image.js';
import type { ImageSource } from './embedding-input.js';
import {
  describeError,
  describeUrl,
  fail,
  failEmpty,
  failTooLarge,
  truncate,
} from './image-load-failure.js';
import { IMAGE_SOURCE_DEFAULTS, type ImageSourceConfig } from './image-source-options.js';
import type { LoadedImage } from './loaded-image.js';
import { readImageFile } from './read-image-file.js';

export type { LoadedImage } from './loaded-image.js';

/** Options of {@link loadImageSource}. */
export interface LoadImageSourceOptions {
  /** Download `http(s):` URLs (true) or return them as URLs for the service to fetch (false). */
  fetchUrls: boolean;
  /** Cancels a download or file read; the promise then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Byte cap, download and path policy. @default IMAGE_SOURCE_DEFAULTS */
  policy?: ImageSourceConfig | undefined;
}

/** Resolves a `URL` by its protocol: download or pass through, decode, or read a file. */
async function loadUrl(
  url: URL,
  inputIndex: number,
  options: { fetchUrls: boolean; signal: AbortSignal | undefined; policy: ImageSourceConfig },
): Promise<LoadedImage> {
  switch (url.protocol) {
    case 'http:':
    case 'https:':
      return options.fetchUrls
        ? downloadImage(url, inputIndex, options)
        : { kind: 'url', url: url.href };
    case 'data:':
      return decodeDataUri(url.href, inputIndex, options.policy.maxImageBytes);
    case 'file:': {
      let path: string;
      try {
        path = fileURLToPath(url);
      } catch (error) {
        fail(inputIndex, describeUrl(url), describeError(error), {
          reason: IMAGE_LOAD_REASONS.invalidSource,
          cause: error,
        });
      }
      return readImageFile(path, describeUrl(url), inputIndex, options);
    }
    default:
      fail(
        inputIndex,
        describeUrl(url),
        `unsupported protocol "${url.protocol}" (use http:, https:, data:, file: or a path)`,
        { reason: IMAGE_LOAD_REASONS.invalidSource },
      );
  }
}

/** Checks in-memory bytes against the cap. */
function checkSize(inputIndex: number, description: string, size: number, maxBytes: number): void {
  if (size === 0) failEmpty(inputIndex, description);
  if (size > maxBytes) failTooLarge(inputIndex, description, maxBytes);
}

/**
 * Resolves any {@link ImageSource} of input `inputIndex` under `options.policy`
 * ({@link IMAGE_SOURCE_DEFAULTS} when absent):
 * - an `http(s):` URL (string or `URL`) is returned as `{ kind: 'url' }` for the service to fetch,
 *   or downloaded with undici when `fetchUrls` (time-limited, redirects bounded, private
 *   addresses refused unless `allowPrivateNetwork`; a non-2xx answer fails);
 * - a `data:` URI is decoded (base64 or percent-encoded), in linear time;
 * - a `file:` URL or a filesystem path (relative to the working directory) is read, when
 *   `allowFilePaths` and inside `imageFileRoot` if set;
 * - `Uint8Array` / `Buffer`, `ArrayBuffer` and `Blob` give their bytes.
 * Every source is held to `maxImageBytes`, checked while reading.
 *
 * @throws {ImageLoadError} naming the input index, a short description of the source (a path
 * or URL shortened to about 100 characters, `data: URI (<n> bytes)`), never the bytes, with a
 * `reason`, the exceeded `limit` and the underlying error as `cause`. A caller's abort rejects
 * with `signal.reason`.
 */
export async function loadImageSource(
  source: ImageSource,
  inputIndex: number,
  options: LoadImageSourceOptions,
): Promise<LoadedImage> {
  const { signal } = options;
  const policy = options.policy ?? IMAGE_SOURCE_DEFAULTS;
  const resolved = { fetchUrls: options.fetchUrls, signal, policy };
  const maxBytes = policy.maxImageBytes;
  signal?.throwIfAborted();
  if (typeof source === 'string') {
    const text = source.trim();
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
    if (scheme === 'data') return decodeDataUri(text, inputIndex, maxBytes);
    if (
      scheme === 'http' ||
      scheme === 'https' ||
      scheme === 'file' ||
      /^[a-z][a-z0-9+.-]*:\/\//i.test(text)
    ) {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        // Neither the string nor the URL parser's error (whose `input` is the string) goes in
        // raw: its `user:password@` and a signed query are redacted, as describeUrl does.
        fail(inputIndex, truncate(messageText(text)), 'invalid URL', {
          reason: IMAGE_LOAD_REASONS.invalidSource,
        });
      }
      return loadUrl(url, inputIndex, resolved);
    }
    return readImageFile(source, truncate(messageText(source)), inputIndex, resolved);
  }
  if (source instanceof URL) return loadUrl(source, inputIndex, resolved);
  if (source instanceof Uint8Array) {
    const description = `${source.byteLength} bytes`;
    checkSize(inputIndex, description, source.byteLength, maxBytes);
    return { kind: 'bytes', bytes: source, description };
  }
  if (source instanceof ArrayBuffer) {
    const description = `ArrayBuffer (${source.byteLength} bytes)`;
    checkSize(inputIndex, description, source.byteLength, maxBytes);
    return { kind: 'bytes', bytes: new Uint8Array(source), description };
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const description = `Blob (${source.type === '' ? '' : `${source.type}, `}${source.size} bytes)`;
    // A Blob's size is known before reading it.
    checkSize(inputIndex, description, source.size, maxBytes);
    let buffer: ArrayBuffer;
    try {
      buffer = await source.arrayBuffer();
    } catch (error) {
      fail(inputIndex, description, describeError(error), {
        reason: IMAGE_LOAD_REASONS.unreadable,
        cause: error,
      });
    }
    signal?.throwIfAborted();
    return { kind: 'bytes', bytes: new Uint8Array(buffer), description };
  }
  return fail(
    inputIndex,
    typeof source,
    'not a URL, path, data: URI, Uint8Array, ArrayBuffer or Blob',
    { reason: IMAGE_LOAD_REASONS.invalidSource },
  );
}
