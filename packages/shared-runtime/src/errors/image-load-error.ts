import { JinaClipError, markerFor } from './jina-clip-error.js';

/** Why an image could not be used: the values of {@link ImageLoadError.reason}. */
export const IMAGE_LOAD_REASONS = {
  /** Not a URL, path, `data:` URI or byte container; a malformed `data:` URI or URL. */
  invalidSource: 'invalid-source',
  /** Zero bytes: an empty file, response, `data:` URI or buffer. */
  empty: 'empty',
  /** No such file, or the server answered 404 / 410. */
  notFound: 'not-found',
  /** Any other read or download failure: permissions, a directory, an HTTP error, a reset. */
  unreadable: 'unreadable',
  /** More bytes than `maxImageBytes` (checked while reading). `limit` is the cap in bytes. */
  tooLarge: 'too-large',
  /** More pixels than `maxImagePixels` (checked from the header). `limit` is the cap in pixels. */
  tooManyPixels: 'too-many-pixels',
  /**
   * A download took longer than `imageDownloadTimeout`, or a decode longer than
   * `imageDecodeTimeout`. `limit` is the timeout in milliseconds.
   */
  timeout: 'timeout',
  /** A URL's host is (or resolves to) a loopback, private, link-local or unspecified address. */
  blockedAddress: 'blocked-address',
  /** A path or `file:` URL refused by `allowFilePaths: false` or outside `imageFileRoot`. */
  blockedPath: 'blocked-path',
  /** More redirects than `maxRedirects`. `limit` is that number. */
  tooManyRedirects: 'too-many-redirects',
  /**
   * A vector or document format (SVG, PDF, found by its first bytes before any decoder sees
   * them), a format the decoder does not read, or a pixel layout Pillow does not open (more than
   * 4 colour bands plus alpha, samples other than 8 or 16 bits, Lab and other colour spaces).
   */
  unsupportedFormat: 'unsupported-format',
  /** A progressive JPEG with more scans than `maxImageScans`. `limit` is that number. */
  tooManyScans: 'too-many-scans',
  /** More frames or pages than `maxImageFrames`. `limit` is that number. */
  tooManyFrames: 'too-many-frames',
  /** Longer side over shorter side above `maxImageAspectRatio`. `limit` is that ratio. */
  extremeAspectRatio: 'extreme-aspect-ratio',
  /** The bytes are not a decodable image. */
  undecodable: 'undecodable',
} as const;

/** One of {@link IMAGE_LOAD_REASONS}. */
export type ImageLoadReason = (typeof IMAGE_LOAD_REASONS)[keyof typeof IMAGE_LOAD_REASONS];

/**
 * An image source could not be read or decoded. The message names the input's index and a short
 * description of the source (a path or URL, never the bytes); `reason` says why, for a caller to
 * branch on. Never retried.
 */
export class ImageLoadError extends JinaClipError {
  static override readonly marker: symbol = markerFor('ImageLoadError');
  override readonly name: string = 'ImageLoadError';
  /** Index of the image in the array passed to `embed`. */
  readonly inputIndex: number;
  /** Why the image could not be used. @default 'unreadable' */
  readonly reason: ImageLoadReason;
  /** The limit that was exceeded (bytes, pixels, milliseconds, redirects, scans, frames or ratio), when one was. */
  readonly limit: number | undefined;

  constructor(
    message: string,
    options: { inputIndex: number; reason?: ImageLoadReason; limit?: number; cause?: unknown },
  ) {
    super(message, options);
    this.inputIndex = options.inputIndex;
    this.reason = options.reason ?? IMAGE_LOAD_REASONS.unreadable;
    this.limit = options.limit;
  }
}
