import { Buffer } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Dispatcher, getGlobalDispatcher, interceptors, request } from 'undici';
import { ImageLoadError } from '../errors/image-load-error.js';
import type { ImageSource } from './embedding-input.js';

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
}

/** Longest description put in an error message. */
const MAX_DESCRIPTION = 100;
/** Redirects followed when downloading an image (CDNs redirect). */
const MAX_REDIRECTIONS = 5;

const FILE_ERRORS = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
} as const;

let downloadDispatcher: Dispatcher | undefined;

/** The global undici dispatcher, following redirects. Built on first download. */
function getDownloadDispatcher(): Dispatcher {
  downloadDispatcher ??= getGlobalDispatcher().compose(
    interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS }),
  );
  return downloadDispatcher;
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

function fail(inputIndex: number, description: string, reason: string, cause?: unknown): never {
  throw new ImageLoadError(`Input ${inputIndex}: cannot read image ${description}: ${reason}.`, {
    inputIndex,
    cause,
  });
}

/** Bytes of a percent-encoded string: `%XX` escapes as bytes, other characters as UTF-8. */
function percentDecode(text: string): Uint8Array {
  if (!text.includes('%')) return Buffer.from(text, 'utf8');
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const hex = text.slice(index + 1, index + 3);
    if (text[index] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      index += 2;
    } else {
      const codePoint = text.codePointAt(index)!;
      const character = String.fromCodePoint(codePoint);
      bytes.push(...Buffer.from(character, 'utf8'));
      index += character.length - 1;
    }
  }
  return Uint8Array.from(bytes);
}

/**
 * Decodes a `data:` URI (RFC 2397): percent-decoded, then base64-decoded when its media type ends
 * with `;base64` (whitespace ignored, standard or URL-safe alphabet).
 */
function decodeDataUri(uri: string, inputIndex: number): LoadedImage {
  const comma = uri.indexOf(',');
  if (comma < 0) fail(inputIndex, `data: URI (${uri.length} bytes)`, 'malformed, no comma');
  const isBase64 = /;\s*base64\s*$/i.test(uri.slice(5, comma));
  let bytes = percentDecode(uri.slice(comma + 1));
  if (isBase64) {
    const text = Buffer.from(bytes)
      .toString('latin1')
      .replace(/[\t\n\f\r ]/g, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.length % 4 === 1) {
      fail(inputIndex, `data: URI (${uri.length} bytes)`, 'invalid base64');
    }
    bytes = new Uint8Array(Buffer.from(text, 'base64'));
  }
  const description = `data: URI (${bytes.byteLength} bytes)`;
  if (bytes.byteLength === 0) fail(inputIndex, description, 'it is empty');
  return { kind: 'bytes', bytes, description };
}

async function readPath(
  path: string,
  description: string,
  inputIndex: number,
  signal: AbortSignal | undefined,
): Promise<LoadedImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path, { signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    fail(inputIndex, description, describeError(error), error);
  }
  if (bytes.byteLength === 0) fail(inputIndex, description, 'the file is empty');
  return { kind: 'bytes', bytes, description };
}

async function download(
  url: URL,
  inputIndex: number,
  signal: AbortSignal | undefined,
): Promise<LoadedImage> {
  const description = describeUrl(url);
  let bytes: Uint8Array;
  try {
    const response = await request(url, {
      method: 'GET',
      headers: { accept: 'image/*, */*;q=0.8' },
      dispatcher: getDownloadDispatcher(),
      signal,
    });
    if (response.statusCode < 200 || response.statusCode >= 300) {
      await response.body.dump();
      fail(inputIndex, description, `the server answered HTTP ${response.statusCode}`);
    }
    bytes = new Uint8Array(await response.body.arrayBuffer());
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (ImageLoadError.isInstance(error)) throw error;
    fail(inputIndex, description, describeError(error), error);
  }
  if (bytes.byteLength === 0) fail(inputIndex, description, 'the response is empty');
  return { kind: 'bytes', bytes, description };
}

async function loadUrl(
  url: URL,
  inputIndex: number,
  options: LoadImageSourceOptions,
): Promise<LoadedImage> {
  switch (url.protocol) {
    case 'http:':
    case 'https:':
      return options.fetchUrls
        ? download(url, inputIndex, options.signal)
        : { kind: 'url', url: url.href };
    case 'data:':
      return decodeDataUri(url.href, inputIndex);
    case 'file:': {
      let path: string;
      try {
        path = fileURLToPath(url);
      } catch (error) {
        fail(inputIndex, describeUrl(url), describeError(error), error);
      }
      return readPath(path, describeUrl(url), inputIndex, options.signal);
    }
    default:
      fail(
        inputIndex,
        describeUrl(url),
        `unsupported protocol "${url.protocol}" (use http:, https:, data:, file: or a path)`,
      );
  }
}

/**
 * Resolves any {@link ImageSource} of input `inputIndex`:
 * - an `http(s):` URL (string or `URL`) is returned as `{ kind: 'url' }` for the service to fetch,
 *   or downloaded with undici when `fetchUrls` (redirects followed; a non-2xx answer fails);
 * - a `data:` URI is decoded (base64 or percent-encoded);
 * - a `file:` URL or a filesystem path (relative to the working directory) is read;
 * - `Uint8Array` / `Buffer`, `ArrayBuffer` and `Blob` give their bytes.
 *
 * @throws {ImageLoadError} naming the input index and a short description of the source (a path
 * or URL shortened to about 100 characters, `data: URI (<n> bytes)`), never the bytes, with the
 * underlying error as `cause`. A caller's abort rejects with `signal.reason`.
 */
export async function loadImageSource(
  source: ImageSource,
  inputIndex: number,
  options: LoadImageSourceOptions,
): Promise<LoadedImage> {
  const { signal } = options;
  signal?.throwIfAborted();
  if (typeof source === 'string') {
    const text = source.trim();
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
    if (scheme === 'data') return decodeDataUri(text, inputIndex);
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
        fail(inputIndex, truncate(text), 'invalid URL', error);
      }
      return loadUrl(url, inputIndex, options);
    }
    return readPath(source, truncate(source), inputIndex, signal);
  }
  if (source instanceof URL) return loadUrl(source, inputIndex, options);
  if (source instanceof Uint8Array) {
    const description = `${source.byteLength} bytes`;
    if (source.byteLength === 0) fail(inputIndex, description, 'it is empty');
    return { kind: 'bytes', bytes: source, description };
  }
  if (source instanceof ArrayBuffer) {
    const description = `ArrayBuffer (${source.byteLength} bytes)`;
    if (source.byteLength === 0) fail(inputIndex, description, 'it is empty');
    return { kind: 'bytes', bytes: new Uint8Array(source), description };
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const description = `Blob (${source.type === '' ? '' : `${source.type}, `}${source.size} bytes)`;
    if (source.size === 0) fail(inputIndex, description, 'it is empty');
    let buffer: ArrayBuffer;
    try {
      buffer = await source.arrayBuffer();
    } catch (error) {
      fail(inputIndex, description, describeError(error), error);
    }
    signal?.throwIfAborted();
    return { kind: 'bytes', bytes: new Uint8Array(buffer), description };
  }
  return fail(
    inputIndex,
    typeof source,
    'not a URL, path, data: URI, Uint8Array, ArrayBuffer or Blob',
  );
}
