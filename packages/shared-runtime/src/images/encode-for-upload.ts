import { Buffer } from 'node:buffer';
import { ModelLoadError } from '../errors/model-load-error.js';
import { loadSharp } from './decode-rgb.js';
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
}

/** Options of {@link encodeImageForUpload}. */
export interface EncodeForUploadOptions {
  /**
   * Send the model's input pixels (resized and centre-cropped to `config.size`) as a lossless PNG
   * instead of the original file: the service bills one tile instead of many and sees exactly
   * the pixels the model would.
   */
  resize: boolean;
  /** Worker threads to resize in (the API backend's `imageWorkers`); inline without. */
  pool?: ImageWorkerPool | undefined;
}

let warnedWithoutSharp = false;

function isSharpMissing(error: unknown): boolean {
  return ModelLoadError.isInstance(error) && error.packageName === 'sharp';
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Prepares local image bytes for the hosted API. With `resize`, the image goes through
 * {@link preprocessImage} (the local backend's exact preprocessing) and is sent as a PNG of
 * `config.size` x `config.size`; without, the original bytes are sent untouched.
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
    return { base64: toBase64(bytes), width: 0, height: 0 };
  }
  if (!options.resize) {
    const metadata = await sharp(bytes).metadata();
    return {
      base64: toBase64(bytes),
      width: metadata.autoOrient.width,
      height: metadata.autoOrient.height,
    };
  }
  const image =
    options.pool === undefined
      ? await preprocessImage(bytes, config)
      : await options.pool.preprocess(bytes, config, false);
  const png = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .png()
    .toBuffer();
  return { base64: png.toString('base64'), width: image.width, height: image.height };
}
