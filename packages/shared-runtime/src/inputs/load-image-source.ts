import { Buffer } from 'node:buffer';
import * as fs from 'node:fs';
import { realpath } from 'node:fs/promises';
import { Socket } from 'node:net';
import { sep } from 'node:path';
import { addAbortSignal } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Dispatcher, request } from 'undici';
import {
  IMAGE_LOAD_REASONS,
  ImageLoadError,
  type ImageLoadReason,
} from '../errors/image-load-error.js';
import { BLOCKED_ADDRESS_CODE, createDownloadDispatcher } from './create-download-dispatcher.js';
import type { ImageSource } from './embedding-input.js';
import { IMAGE_SOURCE_DEFAULTS, type ImageSourceConfig } from './image-source-options.js';

/**
 * An image source resolved for a backend: a URL left for the service to fetch, or the image's
 * encoded bytes with a short description for error messages (a path or URL, never the bytes).
 */
export type LoadedImage =
  | { kind: 'url'; url: string }
  | { kind: 'bytes'; bytes: Uint8Array; description: string };

/** Options of {@link loadImageSource}. */
export interface LoadImageSourceOptions {
  /** Download `http(s):` URLs (true) or return them as URLs for the service to fetch (false). */
  fetchUrls: boolean;
  /** Cancels a download or file read; the promise then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Byte cap, download and path policy. @default IMAGE_SOURCE_DEFAULTS */
  policy?: ImageSourceConfig | undefined;
}

/** Longest description put in an error message. */
const MAX_DESCRIPTION = 100;
/** Bytes read from a file at a time. */
const FILE_CHUNK = 1024 * 1024;

const FILE_ERRORS = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
  ELOOP: 'too many symbolic links',
} as const;

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

/** Shortens `text` to at most {@link MAX_DESCRIPTION} characters, keeping both ends. */
function truncate(text: string): string {
  if (text.length <= MAX_DESCRIPTION) return text;
  const tail = 40;
  return `${text.slice(0, MAX_DESCRIPTION - tail - 3)}...${text.slice(-tail)}`;
}

/**
 * A URL for a message: without user name, password, query and fragment (a presigned URL's
 * signature lives in its query), shortened.
 */
function describeUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  copy.search = '';
  copy.hash = '';
  return truncate(copy.href);
}

function describeError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in FILE_ERRORS) {
    return FILE_ERRORS[code as keyof typeof FILE_ERRORS];
  }
  return error instanceof Error ? error.message : String(error);
}

function reasonOf(error: unknown): ImageLoadReason {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' ? IMAGE_LOAD_REASONS.notFound : IMAGE_LOAD_REASONS.unreadable;
}

function fail(
  inputIndex: number,
  description: string,
  message: string,
  details: { reason: ImageLoadReason; limit?: number; cause?: unknown },
): never {
  throw new ImageLoadError(`Input ${inputIndex}: cannot read image ${description}: ${message}.`, {
    inputIndex,
    ...details,
  });
}

function failTooLarge(inputIndex: number, description: string, maxBytes: number): never {
  fail(inputIndex, description, `it is larger than maxImageBytes (${maxBytes} bytes)`, {
    reason: IMAGE_LOAD_REASONS.tooLarge,
    limit: maxBytes,
  });
}

function failEmpty(inputIndex: number, description: string): never {
  fail(inputIndex, description, 'it is empty', { reason: IMAGE_LOAD_REASONS.empty });
}

/** Value of a hexadecimal digit's character code, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Bytes of a percent-encoded string: `%XX` escapes as bytes, other characters as UTF-8, a `%`
 * without two hex digits as itself. Written by hand because no Buffer method decodes percent
 * escapes into bytes (`decodeURIComponent` wants UTF-8 and throws on `%FF`); linear: runs of
 * plain characters are copied with one `Buffer.write` each.
 */
function percentDecode(text: string): Buffer {
  if (!text.includes('%')) return Buffer.from(text, 'utf8');
  // An escape (3 bytes of UTF-8) decodes to 1 byte: the UTF-8 length bounds the output.
  const out = Buffer.allocUnsafe(Buffer.byteLength(text, 'utf8'));
  let length = 0;
  let runStart = 0;
  let index = text.indexOf('%');
  while (index !== -1) {
    const high = hexValue(text.charCodeAt(index + 1));
    const low = hexValue(text.charCodeAt(index + 2));
    if (high < 0 || low < 0) {
      index = text.indexOf('%', index + 1);
      continue;
    }
    if (index > runStart) length += out.write(text.slice(runStart, index), length, 'utf8');
    out[length++] = high * 16 + low;
    runStart = index + 3;
    index = text.indexOf('%', runStart);
  }
  if (runStart < text.length) length += out.write(text.slice(runStart), length, 'utf8');
  return out.subarray(0, length);
}

const BASE64_WHITESPACE = /[\t\n\f\r ]/g;

/**
 * Decodes a `data:` URI (RFC 2397): percent-decoded, then base64-decoded when its media type ends
 * with `;base64` (whitespace ignored, standard or URL-safe alphabet), in linear time. The size
 * is checked against `maxBytes` before each step allocates: from the text's length (each byte
 * takes at least one character, or 4/3 in base64, or 3 percent-encoded), then exactly.
 */
function decodeDataUri(uri: string, inputIndex: number, maxBytes: number): LoadedImage {
  // Before decoding, the text's length; once decoded, the image's size.
  const description = `data: URI (${uri.length} bytes)`;
  const comma = uri.indexOf(',');
  if (comma < 0) {
    fail(inputIndex, description, 'malformed, no comma', {
      reason: IMAGE_LOAD_REASONS.invalidSource,
    });
  }
  const isBase64 = /;\s*base64\s*$/i.test(uri.slice(5, comma));
  const payloadLength = uri.length - comma - 1;
  // Fewest bytes the payload can decode to, were every byte percent-encoded (3 characters).
  const fewestBytes = Math.floor(payloadLength / 3 / (isBase64 ? 4 / 3 : 1));
  if (fewestBytes > maxBytes) failTooLarge(inputIndex, description, maxBytes);
  let bytes: Buffer = percentDecode(uri.slice(comma + 1));
  if (isBase64) {
    let text = bytes.toString('latin1');
    BASE64_WHITESPACE.lastIndex = 0;
    if (BASE64_WHITESPACE.test(text)) text = text.replace(BASE64_WHITESPACE, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.length % 4 === 1) {
      fail(inputIndex, description, 'invalid base64', {
        reason: IMAGE_LOAD_REASONS.invalidSource,
      });
    }
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    if (Math.floor((text.length * 3) / 4) - padding > maxBytes) {
      failTooLarge(inputIndex, description, maxBytes);
    }
    bytes = Buffer.from(text, 'base64');
  } else if (bytes.byteLength > maxBytes) {
    failTooLarge(inputIndex, description, maxBytes);
  }
  const decoded = `data: URI (${bytes.byteLength} bytes)`;
  if (bytes.byteLength === 0) failEmpty(inputIndex, decoded);
  return { kind: 'bytes', bytes, description: decoded };
}

/** True when `path` is `root` or inside it. */
function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/**
 * Applies the path policy: `allowFilePaths: false` refuses every path; with `imageFileRoot`,
 * the path's real location (`..` and symbolic links resolved) must lie inside the root's.
 * Returns the path to open.
 */
async function checkPath(
  path: string,
  description: string,
  inputIndex: number,
  policy: ImageSourceConfig,
): Promise<string> {
  if (!policy.allowFilePaths) {
    fail(inputIndex, description, 'file paths are not allowed (allowFilePaths: false)', {
      reason: IMAGE_LOAD_REASONS.blockedPath,
    });
  }
  if (policy.imageFileRoot === undefined) return path;
  let realPath: string;
  let realRoot: string;
  try {
    realRoot = await realpath(policy.imageFileRoot);
    realPath = await realpath(path);
  } catch (error) {
    fail(inputIndex, description, describeError(error), { reason: reasonOf(error), cause: error });
  }
  if (!isInside(realPath, realRoot)) {
    fail(inputIndex, description, 'it is outside imageFileRoot', {
      reason: IMAGE_LOAD_REASONS.blockedPath,
    });
  }
  return realPath;
}

const openFile = promisify(fs.open);
const statFile = promisify(fs.fstat);
const readFile = promisify(fs.read);
const closeFile = promisify(fs.close);

/**
 * Reads a FIFO through a libuv pipe (a `net.Socket` on its descriptor), as `process.stdin` is
 * read: nothing blocks a thread-pool thread, and the caller's signal ends it. A FIFO waits for
 * a writer, at most `timeout` ms in all (like a download). Takes ownership of `fd`. Returns the
 * bytes read, stopping at the first chunk past `maxBytes`; rejects with the timeout's reason
 * (a DOMException `TimeoutError`) or the caller's.
 */
async function readPipe(
  fd: number,
  options: { maxBytes: number; timeout: number; signal: AbortSignal | undefined },
  chunks: Buffer[],
): Promise<number> {
  const { maxBytes, signal } = options;
  const timeout = AbortSignal.timeout(options.timeout);
  const socket = new Socket({ fd, readable: true, writable: false });
  addAbortSignal(signal === undefined ? timeout : AbortSignal.any([signal, timeout]), socket);
  let total = 0;
  try {
    for await (const chunk of socket as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > maxBytes) break;
      chunks.push(chunk);
    }
  } finally {
    socket.destroy();
  }
  return total;
}

/**
 * Reads a file under the byte cap, counting as it reads: a regular file's size is checked
 * first, and a device or pipe (`/dev/zero`, a FIFO) stops at the first chunk over the cap.
 * Opened non-blocking, so a FIFO without a writer cannot hold a thread-pool thread.
 */
async function readPath(
  path: string,
  description: string,
  inputIndex: number,
  options: { signal: AbortSignal | undefined; policy: ImageSourceConfig },
): Promise<LoadedImage> {
  const { signal, policy } = options;
  const maxBytes = policy.maxImageBytes;
  const openPath = await checkPath(path, description, inputIndex, policy);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    const fd = await openFile(openPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stats = await statFile(fd).catch(async (error: unknown) => {
      await closeFile(fd);
      throw error;
    });
    if (stats.isFIFO()) {
      const timeout = policy.imageDownloadTimeout;
      total = await readPipe(fd, { maxBytes, timeout, signal }, chunks).catch((error: unknown) => {
        if (signal?.aborted || (error as { name?: unknown }).name !== 'AbortError') throw error;
        return fail(
          inputIndex,
          description,
          `nothing more to read within imageDownloadTimeout (${timeout} ms)`,
          { reason: IMAGE_LOAD_REASONS.timeout, limit: timeout, cause: error },
        );
      });
    } else {
      try {
        if (stats.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
        if (stats.isFile() && stats.size > maxBytes) {
          failTooLarge(inputIndex, description, maxBytes);
        }
        // A regular file in one read (one byte more shows it grew past its size); anything
        // else (a device) a chunk at a time.
        const chunkSize = stats.isFile() ? stats.size + 1 : FILE_CHUNK;
        for (;;) {
          signal?.throwIfAborted();
          const chunk = Buffer.allocUnsafe(Math.min(chunkSize, maxBytes + 1 - total));
          const { bytesRead } = await readFile(fd, chunk, 0, chunk.byteLength, null);
          if (bytesRead === 0) break;
          chunks.push(chunk.subarray(0, bytesRead));
          total += bytesRead;
          if (total > maxBytes) break;
        }
      } finally {
        await closeFile(fd);
      }
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (ImageLoadError.isInstance(error)) throw error;
    fail(inputIndex, description, describeError(error), { reason: reasonOf(error), cause: error });
  }
  if (total > maxBytes) failTooLarge(inputIndex, description, maxBytes);
  if (total === 0) {
    fail(inputIndex, description, 'the file is empty', { reason: IMAGE_LOAD_REASONS.empty });
  }
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  return { kind: 'bytes', bytes, description };
}

/**
 * Downloads `url` under the policy: at most `imageDownloadTimeout` ms for headers and body
 * together, at most `maxImageBytes` (a larger Content-Length is refused before the body, and
 * the body is counted as it streams), at most `maxRedirects` redirects, and no connection to a
 * private address unless `allowPrivateNetwork`.
 */
async function download(
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

async function loadUrl(
  url: URL,
  inputIndex: number,
  options: { fetchUrls: boolean; signal: AbortSignal | undefined; policy: ImageSourceConfig },
): Promise<LoadedImage> {
  switch (url.protocol) {
    case 'http:':
    case 'https:':
      return options.fetchUrls
        ? download(url, inputIndex, options)
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
      return readPath(path, describeUrl(url), inputIndex, options);
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
      } catch (error) {
        fail(inputIndex, truncate(text), 'invalid URL', {
          reason: IMAGE_LOAD_REASONS.invalidSource,
          cause: error,
        });
      }
      return loadUrl(url, inputIndex, resolved);
    }
    return readPath(source, truncate(source), inputIndex, resolved);
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
