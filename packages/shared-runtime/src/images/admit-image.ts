import { IMAGE_LOAD_REASONS, ImageLoadError } from '../errors/image-load-error.js';
import { IMAGE_SOURCE_DEFAULTS } from '../inputs/image-source-options.js';
import { countJpegScans } from './count-jpeg-scans.js';
import { countWebpFrames } from './count-webp-frames.js';
import {
  decodedBytes,
  type ImageHeader,
  loadSharp,
  pixelLayoutProblem,
  readImageHeader,
} from './decode-rgb.js';
import { readImageSignature } from './image-signature.js';
import { DECODE_BYTE_BUDGET, NATIVE_DECODE_SLOTS, type PixelBudget } from './pixel-budget.js';

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
  /** Most scans of a progressive JPEG (`maxImageScans`). @default 100 */
  readonly maxScans?: number | undefined;
  /** Most frames or pages (`maxImageFrames`). @default 10000 */
  readonly maxFrames?: number | undefined;
  /** Largest ratio of the longer side to the shorter (`maxImageAspectRatio`). @default 200 */
  readonly maxAspectRatio?: number | undefined;
  /** Index of the image in the call, for the error. */
  readonly inputIndex: number;
  /** The source's description (path, URL, `data: URI (n bytes)`), for the error. */
  readonly description: string;
  /** Cancels the wait for the pixel budget. */
  readonly signal?: AbortSignal | undefined;
  /** @default DECODE_BYTE_BUDGET, shared by the whole process */
  readonly budget?: PixelBudget | undefined;
  /** @default NATIVE_DECODE_SLOTS, shared by the whole process */
  readonly slots?: PixelBudget | undefined;
}

/** An image let through by {@link admitImage}. */
export interface AdmittedImage {
  /**
   * Returns the image's bytes to the decode budget and its native slot: call it once the decode
   * (and any encode) is done.
   */
  readonly release: () => void;
  /** The header read, to hand to the decoder; undefined when sharp is not installed. */
  readonly header: ImageHeader | undefined;
}

/**
 * Checks an image before it is decoded, then waits for its turn to decode. Before any decoder
 * sees the bytes: their signature must be one of {@link DECODED_FORMATS} (SVG, PDF and others are
 * refused by their first bytes, as Pillow's `_accept` does), a progressive JPEG may hold at most
 * `maxScans` scans and a WebP `maxFrames` frames (counted from the file's structure). Then, from
 * the header sharp reads: a pixel layout Pillow opens (`pixelLayoutProblem`), at most `maxPixels`
 * pixels after EXIF orientation, `maxFrames` pages and `maxAspectRatio`. The header read and the
 * decode that follows hold one of {@link NATIVE_DECODE_SLOTS} (one fewer than libuv's threads),
 * and the decode waits for the image's decoded bytes (`decodedBytes`) in the decode budget.
 * Resolves to the function that gives both back (call it once the decode is done, in a
 * `finally`) and the header.
 *
 * When sharp is not installed, admits without checking: nothing decodes here then (the api
 * backend uploads the bytes as they are; the local backend reports sharp missing).
 *
 * @throws {ImageLoadError} `reason` `'undecodable'` (no image signature or header sharp knows),
 * `'unsupported-format'`, `'too-many-scans'`, `'too-many-frames'`, `'too-many-pixels'` or
 * `'extreme-aspect-ratio'` (with `limit`), naming the input.
 */
export async function admitImage(
  bytes: Uint8Array,
  options: AdmitImageOptions,
): Promise<AdmittedImage> {
  const { inputIndex, description, maxPixels } = options;
  const maxScans = options.maxScans ?? IMAGE_SOURCE_DEFAULTS.maxImageScans;
  const maxFrames = options.maxFrames ?? IMAGE_SOURCE_DEFAULTS.maxImageFrames;
  const maxAspectRatio = options.maxAspectRatio ?? IMAGE_SOURCE_DEFAULTS.maxImageAspectRatio;
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
  const accepted = DECODED_FORMATS.map((name) => name.toUpperCase()).join(', ');
  const signature = readImageSignature(bytes);
  if (signature.kind === 'refused') {
    fail(
      `${signature.name} is not accepted (use ${accepted})`,
      IMAGE_LOAD_REASONS.unsupportedFormat,
    );
  }
  if (signature.kind === 'unknown') {
    fail(
      `its first bytes are those of no image format read here (${accepted})`,
      IMAGE_LOAD_REASONS.undecodable,
    );
  }
  const format = signature.kind === 'raster' ? signature.format : undefined;
  if (format === 'jpeg') {
    const scans = countJpegScans(bytes, maxScans);
    if (scans > maxScans) {
      fail(
        `the progressive JPEG has more than maxImageScans (${maxScans}) scans`,
        IMAGE_LOAD_REASONS.tooManyScans,
        { limit: maxScans },
      );
    }
  }
  if (format === 'webp') {
    const frames = countWebpFrames(bytes, maxFrames);
    if (frames > maxFrames) {
      fail(
        `the WebP has more than maxImageFrames (${maxFrames}) frames`,
        IMAGE_LOAD_REASONS.tooManyFrames,
        { limit: maxFrames },
      );
    }
  }
  const releaseSlot = await (options.slots ?? NATIVE_DECODE_SLOTS).acquire(1, options.signal);
  try {
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
    if (!(DECODED_FORMATS as readonly string[]).includes(header.format)) {
      fail(
        `${header.format.toUpperCase()} is not accepted (use ${accepted})`,
        IMAGE_LOAD_REASONS.unsupportedFormat,
      );
    }
    const layoutProblem = pixelLayoutProblem(header);
    if (layoutProblem !== undefined) fail(layoutProblem, IMAGE_LOAD_REASONS.unsupportedFormat);
    const pages = header.pages ?? 1;
    if (pages > maxFrames) {
      fail(
        `${pages} frames or pages, more than maxImageFrames (${maxFrames})`,
        IMAGE_LOAD_REASONS.tooManyFrames,
        { limit: maxFrames },
      );
    }
    const { width, height } = header;
    const pixels = width * height;
    if (pixels > maxPixels) {
      fail(
        `${width}x${height} is ${pixels} pixels, more than maxImagePixels (${maxPixels})`,
        IMAGE_LOAD_REASONS.tooManyPixels,
        { limit: maxPixels },
      );
    }
    if (Math.max(width, height) > maxAspectRatio * Math.min(width, height)) {
      fail(
        `${width}x${height} is more than maxImageAspectRatio (${maxAspectRatio}) times longer than wide`,
        IMAGE_LOAD_REASONS.extremeAspectRatio,
        { limit: maxAspectRatio },
      );
    }
    const releaseBytes = await (options.budget ?? DECODE_BYTE_BUDGET).acquire(
      decodedBytes(header),
      options.signal,
    );
    let released = false;
    return {
      header,
      release: () => {
        if (released) return;
        released = true;
        releaseBytes();
        releaseSlot();
      },
    };
  } catch (error) {
    releaseSlot();
    throw error;
  }
}

/** What {@link decodeFailure} names the image by. */
export interface DecodeFailureContext {
  readonly inputIndex: number;
  /** The source's description (path, URL, `data: URI (n bytes)`). */
  readonly description: string;
  /** The decode timeout in milliseconds (`imageDecodeTimeout`), for the error's `limit`. */
  readonly timeoutMs: number;
}

/**
 * The {@link ImageLoadError} for an admitted image whose decode failed: `reason: 'timeout'`
 * (with `limit`) when the decode ran past `imageDecodeTimeout` (an `ImageDecodeTimeout`, found
 * by name since it may come back from a worker thread), else `'undecodable'` with the decoder's
 * own words. Never the bytes.
 */
export function decodeFailure(error: unknown, context: DecodeFailureContext): ImageLoadError {
  const { inputIndex, description, timeoutMs } = context;
  const message = error instanceof Error ? error.message : String(error);
  const timedOut = error instanceof Error && error.name === 'ImageDecodeTimeout';
  return new ImageLoadError(
    timedOut
      ? `Input ${inputIndex}: cannot decode image ${description}: decoding took longer than imageDecodeTimeout (${timeoutMs} ms).`
      : `Input ${inputIndex}: cannot decode image ${description}: ${message}.`,
    {
      inputIndex,
      reason: timedOut ? IMAGE_LOAD_REASONS.timeout : IMAGE_LOAD_REASONS.undecodable,
      ...(timedOut ? { limit: timeoutMs } : {}),
      cause: error,
    },
  );
}

/** sharp's timeout for `imageDecodeTimeout` milliseconds: whole seconds, rounded up. */
export function decodeTimeoutSeconds(timeoutMs: number): number {
  return Math.max(1, Math.ceil(timeoutMs / 1000));
}
