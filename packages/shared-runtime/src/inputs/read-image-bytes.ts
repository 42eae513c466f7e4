import type { ImageSource } from './embedding-input.js';
import { type ImageSourceOptions, resolveImageSourceConfig } from './image-source-options.js';
import { loadImageSource } from './load-image-source.js';

/** Options of {@link readImageBytes}: the image policy of the backends, and a signal. */
export interface ReadImageBytesOptions extends ImageSourceOptions {
  /** Cancels the download or read; the promise then rejects with `signal.reason`. @default none */
  signal?: AbortSignal;
}

/**
 * The encoded bytes of one image source, read exactly as the backends read it: an `http(s):` URL
 * downloaded with undici under the download policy (`imageDownloadTimeout`, `maxRedirects`,
 * private addresses refused unless `allowPrivateNetwork`, checked on the address connected to),
 * a path or `file:` URL read under `allowFilePaths` / `imageFileRoot`, a `data:` URI decoded, and
 * every source held to `maxImageBytes` while reading. The bytes are not decoded: pass them to
 * `embed` as `{ image: bytes }`, where both backends decode them under the pixel and format
 * limits.
 *
 * For a pipeline that must see content before embedding it, such as hashing a downloaded image to
 * skip one it has already embedded, without writing a second, weaker download policy.
 *
 * @example
 * ```ts
 * const bytes = await readImageBytes('https://example.com/cat.jpg');
 * const id = createHash('sha256').update(bytes).digest('hex');
 * if (!seen.has(id)) await backend.embed([{ image: bytes }]);
 * ```
 * @throws {InvalidInputError} for an option out of range, before any read.
 * @throws {ImageLoadError} (`inputIndex` 0) naming the source and its `reason`: `blocked-address`,
 * `blocked-path`, `too-large`, `timeout`, `not-found`, `unreadable`, … A caller's abort rejects
 * with `signal.reason`.
 */
export async function readImageBytes(
  source: ImageSource,
  options: ReadImageBytesOptions = {},
): Promise<Uint8Array> {
  const { signal, ...policy } = options;
  const loaded = await loadImageSource(source, 0, {
    fetchUrls: true,
    signal,
    policy: resolveImageSourceConfig(policy),
  });
  // With fetchUrls every source resolves to bytes; a URL result would be a bug here.
  if (loaded.kind !== 'bytes') throw new Error('readImageBytes: a URL was not downloaded');
  return loaded.bytes;
}
