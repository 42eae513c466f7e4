import { Buffer } from 'node:buffer';
import { ModelLoadError } from '../errors/model-load-error.js';
import { decodeRgb, type ImageHeader, loadSharp, readImageHeader } from './decode-rgb.js';
import type { ImagePreprocessConfig } from './image-preprocess-config.js';
import type { ImageWorkerPool } from './image-worker-pool.js';
import { preprocessImage } from './preprocess-image.js';

/** An image ready for the `image` field of an embeddings request. */
export interface UploadImage {
  /** The image file, base64-encoded. */
  base64: string;
  /** Width of what is sent, in pixels (after EXIF orientation); 0 when unknown (no sharp). */
  width: number;
  /** Height of what is sent, in pixels (after EXIF orientation); 0 when unknown (no sharp). */
  height: number;
  /**
   * What is sent: `'original'` (the bytes as given) or `'resized'` (the model's input pixels,
   * losslessly encoded as {@link LOSSLESS_UPLOAD_FORMAT}).
   */
  kind: UploadCandidate['kind'];
}

/** Options of {@link encodeImageForUpload}. */
export interface EncodeForUploadOptions {
  /**
   * Consider sending the model's input pixels (resized and centre-cropped to `config.size`,
   * losslessly encoded) instead of the original file, by the rule of {@link chooseUpload}. When
   * false the original bytes are always sent (after a full decode that checks them).
   */
  resize: boolean;
  /** Worker threads to resize in (the API backend's `imageWorkers`); inline without. */
  pool?: ImageWorkerPool | undefined;
  /** The image's header, when already read (by `admitImage`). @default read here */
  header?: ImageHeader | undefined;
  /** Seconds the decode may take (`imageDecodeTimeout`). @default no limit */
  timeoutSeconds?: number | undefined;
}

/** One way to send an image: a file and the size the service decodes it to. */
export interface UploadCandidate {
  /** `'original'`: the bytes as given; `'resized'`: the model's input pixels, encoded losslessly. */
  kind: 'original' | 'resized';
  /** The file as it would be sent. */
  bytes: Uint8Array;
  /** Decoded width, in pixels (after EXIF orientation). */
  width: number;
  /** Decoded height, in pixels (after EXIF orientation). */
  height: number;
}

/**
 * The lossless format a resized image is sent in: WebP lossless (VP8L), about half the size of
 * PNG for photos. Assumption, since the real service's decoder cannot be checked offline: the
 * service opens images with Pillow, whose wheels are built with libwebp, and it accepts WebP
 * like JPEG and PNG. The rule: WebP lossless where the service decodes it, else PNG; change this
 * constant to `'png'` if a service answers WebP uploads with "could not be decoded".
 */
export const LOSSLESS_UPLOAD_FORMAT: 'webp' | 'png' = 'webp';

/**
 * libwebp's effort for {@link LOSSLESS_UPLOAD_FORMAT} `'webp'` (0 fastest .. 6 smallest). At 0 a
 * 512 px photo encodes about as fast as PNG (~20 ms) at 40 to 55 % of PNG's size; effort 4
 * (sharp's default) saves another 10 % for 5 to 10 times the CPU (measured on the goldens).
 */
export const LOSSLESS_UPLOAD_EFFORT = 0;

/** Tiles of `tileSize` the service bills for an image of `width` x `height` (started tiles count). */
export function billedTiles(width: number, height: number, tileSize: number): number {
  return Math.ceil(width / tileSize) * Math.ceil(height / tileSize);
}

/**
 * The upload rule: among `candidates`, those the service bills the fewest `tileSize` tiles for;
 * among those, the one with the fewest bytes; on a tie, the earlier one (list the original
 * first). Candidates must already exclude images holding more pixels than the original (see
 * {@link encodeImageForUpload}).
 */
export function chooseUpload(
  candidates: readonly UploadCandidate[],
  tileSize: number,
): UploadCandidate {
  let best: UploadCandidate | undefined;
  let bestTiles = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const tiles = billedTiles(candidate.width, candidate.height, tileSize);
    if (tiles < bestTiles || (tiles === bestTiles && candidate.bytes.length < best!.bytes.length)) {
      best = candidate;
      bestTiles = tiles;
    }
  }
  if (best === undefined) throw new RangeError('chooseUpload needs at least one candidate.');
  return best;
}

let warnedWithoutSharp = false;

function isSharpMissing(error: unknown): boolean {
  return ModelLoadError.isInstance(error) && error.packageName === 'sharp';
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function toUpload(candidate: UploadCandidate): UploadImage {
  return {
    base64: toBase64(candidate.bytes),
    width: candidate.width,
    height: candidate.height,
    kind: candidate.kind,
  };
}

/**
 * Prepares local image bytes for the hosted API. Uploads never hold more pixels than the image
 * given and never change the vector:
 * - the candidates are the original bytes and, with `resize`, the model's input pixels from
 *   {@link preprocessImage} (the local backend's preprocessing), `config.size` square, encoded as
 *   lossless {@link LOSSLESS_UPLOAD_FORMAT}; the square is left out when it holds more pixels
 *   than the original (`config.size * config.size > width * height`, after EXIF orientation), so
 *   what is sent never holds more pixels than the image given (the square may still upscale one
 *   axis, e.g. a 320x213 JPEG to 224x224 on v1, as the model's own resize does);
 * - {@link chooseUpload} sends the one billed the fewest `config.size` tiles, then the smaller.
 *
 * Either way the service's preprocessing of what is sent equals the local backend's of the
 * original: the original is the original, and a `config.size` square is left as it is by the
 * model's resize and crop.
 *
 * Every image is decoded in full before it is sent, the original included (with `decodeRgb`, the
 * local backend's decode): bytes the local backend refuses (a truncated PNG or JPEG) are refused
 * here too, before any request, instead of being uploaded for the service to decode what it can.
 *
 * sharp is an optional peer: without it the original bytes are sent as they are, and a one-time
 * process warning (code `JINA_CLIP_NO_SHARP`) says to install it.
 *
 * Rejects with sharp's own error when the bytes are not a decodable image; callers wrap it in an
 * `ImageLoadError` naming the input.
 */
export async function encodeImageForUpload(
  bytes: Uint8Array,
  config: ImagePreprocessConfig,
  options: EncodeForUploadOptions,
): Promise<UploadImage> {
  let sharp: Awaited<ReturnType<typeof loadSharp>>;
  try {
    sharp = await loadSharp();
  } catch (error) {
    if (!isSharpMissing(error)) throw error;
    if (options.resize && !warnedWithoutSharp) {
      warnedWithoutSharp = true;
      process.emitWarning(
        'sharp is not installed: images are uploaded at full size and billed per tile. Install it to resize them first: npm install sharp',
        { code: 'JINA_CLIP_NO_SHARP' },
      );
    }
    return { base64: toBase64(bytes), width: 0, height: 0, kind: 'original' };
  }
  const header = options.header ?? (await readImageHeader(bytes));
  const original: UploadCandidate = {
    kind: 'original',
    bytes,
    width: header.width,
    height: header.height,
  };
  const { timeoutSeconds } = options;
  const morePixels = config.size * config.size > original.width * original.height;
  if (!options.resize || morePixels) {
    // The original goes undecoded otherwise: decode it in full, as the local backend does, so a
    // truncated or corrupt file is refused here (sharp's default failOn: 'warning') instead of
    // being billed for whatever rows the service manages to read. The pixels are dropped.
    await decodeRgb(bytes, { header, timeoutSeconds });
    return toUpload(original);
  }
  const image =
    options.pool === undefined
      ? await preprocessImage(bytes, config, { header, timeoutSeconds })
      : await options.pool.preprocess(bytes, config, { header, timeoutSeconds });
  const pixels = sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
  const encoded = await (LOSSLESS_UPLOAD_FORMAT === 'webp'
    ? pixels.webp({ lossless: true, effort: LOSSLESS_UPLOAD_EFFORT })
    : pixels.png()
  ).toBuffer();
  const resized: UploadCandidate = {
    kind: 'resized',
    bytes: encoded,
    width: image.width,
    height: image.height,
  };
  return toUpload(chooseUpload([original, resized], config.size));
}
