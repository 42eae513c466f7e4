import { resolve } from 'node:path';
import { InvalidInputError } from '../errors/invalid-input-error.js';

/**
 * Limits and policies for image inputs, shared by both backends: how many bytes an image source
 * may hold, how many pixels it may decode to, how URLs are downloaded and which paths may be read.
 */
export interface ImageSourceOptions {
  /**
   * Largest image source in bytes (files, downloads, `data:` URIs, Blobs, buffers), checked while
   * reading: a download stops at the first byte over it. 32 MiB holds any camera JPEG (a 100 MP
   * photo is about 30 MB) and a lossless 24 MP PNG, and bounds memory per image in flight.
   * @default 33554432 (32 MiB)
   */
  maxImageBytes?: number;
  /**
   * Largest decoded image in pixels (width × height), checked from the image header before any
   * decoding. The default is Pillow's decompression-bomb limit (`Image.MAX_IMAGE_PIXELS`); Pillow
   * warns above it, this library refuses.
   * @default 89478485
   */
  maxImagePixels?: number;
  /**
   * Most scans a progressive JPEG may hold, counted from its marker structure before decoding.
   * Each scan makes libjpeg walk every block of the image again, so a few hundred kilobytes of
   * scans can ask for minutes of work (2,660 scans of 4096x4096: 7.7 s; at 89 MP: about a
   * minute). Encoders write about 10 (libjpeg's and mozjpeg's progressive scripts); libjpeg-turbo's
   * TurboJPEG API stops at 500.
   * @default 100
   */
  maxImageScans?: number;
  /**
   * Most frames or pages an image file may hold (animated WebP, GIF, multi-page TIFF, HEIF
   * sequences), counted from the chunk structure (WebP) or the header before decoding. Only the
   * first frame is decoded, but opening an animated WebP costs time with the square of its
   * frame count (60,000 frames: 2.8 s).
   * @default 10000
   */
  maxImageFrames?: number;
  /**
   * Largest ratio of the longer side to the shorter one, checked from the header. Decoding costs
   * time per row as well as per pixel (a 1-pixel-wide PNG of 89M rows: about a minute), and a
   * CLIP model sees only a square crop of such an image anyway. 200 is Qwen2-VL's `MAX_RATIO`.
   * @default 200
   */
  maxImageAspectRatio?: number;
  /**
   * Milliseconds one image's decode (libvips, through sharp's `timeout`) may take, counted in
   * whole seconds (rounded up). A backstop for whatever the header checks let through: libvips
   * checks it as rows come out of the decoder, so work a decoder does before its first row (every
   * scan of a progressive JPEG) is bounded by `maxImageScans`, not by this.
   * @default 15000
   */
  imageDecodeTimeout?: number;
  /**
   * Milliseconds a URL download may take in total, headers and body; also bounds reading a
   * FIFO (a named pipe waits for its writer). @default 30000
   */
  imageDownloadTimeout?: number;
  /** Redirects followed per URL download, each one re-checked against the address policy. @default 3 */
  maxRedirects?: number;
  /**
   * Download URLs whose host is or resolves to a loopback, private (RFC 1918, fc00::/7), link-local
   * (169.254/16 with cloud metadata, fe80::/10), shared (100.64/10) or unspecified address.
   * Off, such URLs are refused (checked on the address connected to, after every redirect).
   * @default false
   */
  allowPrivateNetwork?: boolean;
  /** Read strings that are not URLs as file paths, and `file:` URLs. False refuses both. @default true */
  allowFilePaths?: boolean;
  /**
   * A folder every image path and `file:` URL must stay inside once `..` and symbolic links are
   * resolved. @default none: any path the process can read
   */
  imageFileRoot?: string;
}

/**
 * Every option of {@link ImageSourceOptions}, in the order of the README's tables: both backends'
 * option lists take them from here.
 */
export const IMAGE_SOURCE_OPTION_NAMES = [
  'maxImageBytes',
  'maxImagePixels',
  'maxImageScans',
  'maxImageFrames',
  'maxImageAspectRatio',
  'imageDecodeTimeout',
  'imageDownloadTimeout',
  'maxRedirects',
  'allowPrivateNetwork',
  'allowFilePaths',
  'imageFileRoot',
] as const satisfies readonly (keyof ImageSourceOptions)[];

/** {@link ImageSourceOptions} with defaults applied and every value checked. */
export interface ImageSourceConfig {
  readonly maxImageBytes: number;
  readonly maxImagePixels: number;
  readonly maxImageScans: number;
  readonly maxImageFrames: number;
  readonly maxImageAspectRatio: number;
  readonly imageDecodeTimeout: number;
  readonly imageDownloadTimeout: number;
  readonly maxRedirects: number;
  readonly allowPrivateNetwork: boolean;
  readonly allowFilePaths: boolean;
  /** Absolute (not yet real) path of the root folder. */
  readonly imageFileRoot: string | undefined;
}

/** Defaults of {@link ImageSourceOptions}. */
export const IMAGE_SOURCE_DEFAULTS = {
  maxImageBytes: 32 * 1024 * 1024,
  maxImagePixels: 89_478_485,
  maxImageScans: 100,
  maxImageFrames: 10_000,
  maxImageAspectRatio: 200,
  imageDecodeTimeout: 15_000,
  imageDownloadTimeout: 30_000,
  maxRedirects: 3,
  allowPrivateNetwork: false,
  allowFilePaths: true,
  imageFileRoot: undefined,
} as const satisfies ImageSourceConfig;

/** Inclusive ranges of the integer options. */
const LIMITS = {
  // A Buffer's largest size on 64-bit Node.
  maxImageBytes: [1, 2 ** 32],
  // libvips counts pixels in a signed 32-bit-safe range.
  maxImagePixels: [1, 2 ** 31],
  // A JPEG holds at most 64 spectral bands x 14 bit positions x 4 components of useful scans.
  maxImageScans: [1, 100_000],
  maxImageFrames: [1, 100_000_000],
  maxImageAspectRatio: [1, 2 ** 31],
  // sharp's timeout counts whole seconds.
  imageDecodeTimeout: [1000, 2_147_483_647],
  // setTimeout's largest delay.
  imageDownloadTimeout: [1, 2_147_483_647],
  maxRedirects: [0, 20],
} as const;

function integerOption(name: keyof typeof LIMITS, value: unknown): number {
  if (value === undefined) return IMAGE_SOURCE_DEFAULTS[name];
  const [min, max] = LIMITS[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(
      `\`${name}\` must be an integer from ${min} to ${max}, got ${typeof value === 'number' ? value : typeof value}.`,
      { field: name },
    );
  }
  return value;
}

function booleanOption(name: 'allowPrivateNetwork' | 'allowFilePaths', value: unknown): boolean {
  if (value === undefined) return IMAGE_SOURCE_DEFAULTS[name];
  if (typeof value !== 'boolean') {
    throw new InvalidInputError(`\`${name}\` must be true or false, got ${typeof value}.`, {
      field: name,
    });
  }
  return value;
}

/**
 * Applies the defaults of {@link ImageSourceOptions} and validates them, throwing
 * {@link InvalidInputError} with the offending `field`.
 */
export function resolveImageSourceConfig(options: ImageSourceOptions = {}): ImageSourceConfig {
  const { imageFileRoot } = options;
  if (
    imageFileRoot !== undefined &&
    (typeof imageFileRoot !== 'string' || imageFileRoot.trim() === '')
  ) {
    throw new InvalidInputError('`imageFileRoot` must be a non-empty folder path.', {
      field: 'imageFileRoot',
    });
  }
  const allowFilePaths = booleanOption('allowFilePaths', options.allowFilePaths);
  if (!allowFilePaths && imageFileRoot !== undefined) {
    throw new InvalidInputError(
      '`imageFileRoot` has no effect with `allowFilePaths: false`: set one or the other.',
      { field: 'imageFileRoot' },
    );
  }
  return {
    maxImageBytes: integerOption('maxImageBytes', options.maxImageBytes),
    maxImagePixels: integerOption('maxImagePixels', options.maxImagePixels),
    maxImageScans: integerOption('maxImageScans', options.maxImageScans),
    maxImageFrames: integerOption('maxImageFrames', options.maxImageFrames),
    maxImageAspectRatio: integerOption('maxImageAspectRatio', options.maxImageAspectRatio),
    imageDecodeTimeout: integerOption('imageDecodeTimeout', options.imageDecodeTimeout),
    imageDownloadTimeout: integerOption('imageDownloadTimeout', options.imageDownloadTimeout),
    maxRedirects: integerOption('maxRedirects', options.maxRedirects),
    allowPrivateNetwork: booleanOption('allowPrivateNetwork', options.allowPrivateNetwork),
    allowFilePaths,
    imageFileRoot: imageFileRoot === undefined ? undefined : resolve(imageFileRoot),
  };
}
