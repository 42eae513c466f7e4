import { IMAGE_LOAD_REASONS, ImageLoadError } from '../errors/image-load-error.js';
import { type ImageHeader, loadSharp, readImageHeader } from './decode-rgb.js';
import { DECODE_PIXEL_BUDGET, type PixelBudget } from './pixel-budget.js';

/**
 * Raster formats decoded (sharp's `metadata().format` names). Vector and document formats (SVG,
 * PDF) are refused: they render at whatever size they declare (a 122-byte SVG can ask for
 * 16000x16000), can reference other files, and the model's Python processor (PIL) does not
 * read them either. So are libvips' own and scientific formats (`vips`, `fits`, `exr`, ...).
 */
export const DECODED_FORMATS = [
  'jpeg',
  'png',
  'webp',
  'gif',
  'tiff',
  'avif',
  'heif',
  'jp2',
  'jxl',
] as const;

/** Options of {@link admitImage}. */
export interface AdmitImageOptions {
  /** Largest width × height accepted (`maxImagePixels`). */
  readonly maxPixels: number;
  /** Index of the image in the call, for the error. */
  readonly inputIndex: number;
  /** The source's description (path, URL, `data: URI (n bytes)`), for the error. */
  readonly description: string;
  /** Cancels the wait for the pixel budget. */
  readonly signal?: AbortSignal | undefined;
  /** @default DECODE_PIXEL_BUDGET, shared by the whole process */
  readonly budget?: PixelBudget | undefined;
}

/** An image let through by {@link admitImage}. */
export interface AdmittedImage {
  /** Returns the image's pixels to the decode budget: call it once the decode is done. */
  readonly release: () => void;
  /** The header read, to hand to the decoder; undefined when sharp is not installed. */
  readonly header: ImageHeader | undefined;
}

/**
 * Checks an image from its header before it is decoded, then waits for its turn to decode:
 * the format must be one of {@link DECODED_FORMATS} and its size (after EXIF orientation) at
 * most `maxPixels`; then its pixels are taken from the decode budget. Resolves to the function
 * that returns them (call it once the decode is done, in a `finally`) and the header.
 *
 * When sharp is not installed, admits without checking: nothing decodes here then (the api
 * backend uploads the bytes as they are; the local backend reports sharp missing).
 *
 * @throws {ImageLoadError} `reason` `'undecodable'` (no image header sharp knows),
 * `'unsupported-format'` or `'too-many-pixels'` (with `limit`), naming the input.
 */
export async function admitImage(
  bytes: Uint8Array,
  options: AdmitImageOptions,
): Promise<AdmittedImage> {
  const { inputIndex, description, maxPixels } = options;
  try {
    await loadSharp();
  } catch {
    return { release: () => {}, header: undefined };
  }
  const fail = (
    message: string,
    reason: (typeof IMAGE_LOAD_REASONS)[keyof typeof IMAGE_LOAD_REASONS],
    extra: { limit?: number; cause?: unknown } = {},
  ): never => {
    throw new ImageLoadError(
      `Input ${inputIndex}: cannot decode image ${description}: ${message}.`,
      {
        inputIndex,
        reason,
        ...extra,
      },
    );
  };
  let header: ImageHeader;
  try {
    header = await readImageHeader(bytes);
  } catch (error) {
    return fail(
      error instanceof Error ? error.message : String(error),
      IMAGE_LOAD_REASONS.undecodable,
      { cause: error },
    );
  }
  const format = header.format;
  if (!(DECODED_FORMATS as readonly string[]).includes(format)) {
    fail(
      `${format.toUpperCase()} is not accepted (use ${DECODED_FORMATS.map((name) => name.toUpperCase()).join(', ')})`,
      IMAGE_LOAD_REASONS.unsupportedFormat,
    );
  }
  const pixels = header.width * header.height;
  if (pixels > maxPixels) {
    fail(
      `${header.width}x${header.height} is ${pixels} pixels, more than maxImagePixels (${maxPixels})`,
      IMAGE_LOAD_REASONS.tooManyPixels,
      { limit: maxPixels },
    );
  }
  const release = await (options.budget ?? DECODE_PIXEL_BUDGET).acquire(pixels, options.signal);
  return { release, header };
}
