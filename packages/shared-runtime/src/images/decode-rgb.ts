import type { Sharp, SharpOptions } from 'sharp';
import { importOptionalPeer } from '../optional-peer.js';
import type { RgbImage } from './resample-passes.js';

type SharpFactory = (input: Uint8Array, options?: SharpOptions) => Sharp;

/** An image decoded to 8-bit RGB, with the size it had after EXIF orientation. */
export interface DecodedRgbImage extends RgbImage {
  /** Width of the image after EXIF orientation, before any shrink-on-load. */
  readonly sourceWidth: number;
  /** Height of the image after EXIF orientation, before any shrink-on-load. */
  readonly sourceHeight: number;
}

/**
 * What decoding needs of an image's header (sharp's `metadata()`, which reads no pixel): read
 * once per image by `admitImage` and handed on, so each image is opened by sharp twice (header,
 * then pixels), not three times.
 */
export interface ImageHeader {
  /** sharp's format name (`jpeg`, `png`, ...). */
  readonly format: string;
  /** Width after EXIF orientation. */
  readonly width: number;
  /** Height after EXIF orientation. */
  readonly height: number;
  /** sharp's colour space name (`srgb`, `b-w`, `cmyk`, ...). */
  readonly space: string | undefined;
  /** sharp's sample format (`uchar`, `ushort`, ...). */
  readonly depth: string | undefined;
  /** Channels of the stored samples. */
  readonly channels: number;
  /** Frames or pages in the file (only the first is decoded). @default 1 */
  readonly pages?: number | undefined;
}

/** Reads the header of an image (no pixel is decoded, whatever size it declares). */
export async function readImageHeader(bytes: Uint8Array): Promise<ImageHeader> {
  const sharp = await loadSharp();
  // The header only: pixelLayoutProblem names what is refused, the same way on sharp 0.34 and on
  // 0.35 (whose own `limitInputChannels` of 5 still guards every decode).
  const metadata = await sharp(bytes, {
    limitInputPixels: false,
    limitInputChannels: false,
  }).metadata();
  return {
    format: metadata.format,
    width: metadata.autoOrient.width,
    height: metadata.autoOrient.height,
    space: metadata.space,
    depth: metadata.depth,
    channels: metadata.channels ?? 3,
    pages: metadata.pages ?? 1,
  };
}

/** Options of {@link decodeRgb}. */
export interface DecodeRgbOptions {
  /** The image's header, when already read. @default read here */
  readonly header?: ImageHeader | undefined;
  /**
   * Given the oriented size of a JPEG, the smaller size to decode it at, if any: sharp then lets
   * libjpeg decode at 1/2, 1/4 or 1/8 scale (shrink-on-load) and reduces the rest with Lanczos-3.
   * Not applied to CMYK JPEGs (their conversion must see the original samples).
   */
  readonly preShrink?: ((width: number, height: number) => PreShrinkSize | undefined) | undefined;
  /**
   * Seconds libvips may spend decoding before it stops (sharp's `timeout`): the decode then
   * rejects with an {@link ImageDecodeTimeout}. @default no limit
   */
  readonly timeoutSeconds?: number | undefined;
}

/**
 * A decode stopped by {@link DecodeRgbOptions.timeoutSeconds}. Crosses worker threads by its
 * `name`; the backends turn it into an `ImageLoadError` with `reason: 'timeout'`.
 */
export class ImageDecodeTimeout extends Error {
  override readonly name = 'ImageDecodeTimeout';
}

/** The size a large JPEG is decoded at before the exact resample. */
export interface PreShrinkSize {
  readonly width: number;
  readonly height: number;
}

/** Bytes per sample of sharp's sample formats (`depth`). */
const BYTES_PER_SAMPLE: Readonly<Record<string, number>> = {
  uchar: 1,
  char: 1,
  ushort: 2,
  short: 2,
  uint: 4,
  int: 4,
  float: 4,
  complex: 8,
  double: 8,
  dpcomplex: 16,
};

/**
 * Bytes the decoder may hold for an image, from its header: its pixels times the larger of its
 * stored samples (bands x bytes per sample) and the 8-bit RGB result. What `admitImage` takes
 * from the process's decode budget.
 */
export function decodedBytes(header: ImageHeader): number {
  const sampleBytes = header.channels * (BYTES_PER_SAMPLE[header.depth ?? 'uchar'] ?? 8);
  return header.width * header.height * Math.max(sampleBytes, 3);
}

/** Colour spaces decoded, with the bands each may have (colour bands, plus one alpha). */
const DECODED_SPACES: Readonly<Record<string, readonly [number, number]>> = {
  'b-w': [1, 2],
  grey16: [1, 2],
  srgb: [3, 4],
  rgb: [3, 4],
  rgb16: [3, 4],
  cmyk: [4, 5],
};

/**
 * Why an image's pixel layout is refused, or undefined when it is decoded: the layouts Pillow
 * opens and converts to RGB (modes L, LA, P, RGB, RGBA, CMYK, I;16 and their 16-bit TIFF and PNG
 * forms: grey, RGB or CMYK, with at most one extra band, 8 or 16 bits a sample). Other layouts (a
 * 64-band TIFF, 32-bit or floating-point samples, Lab, XYZ) are of no use to a CLIP model, and
 * their decoded size is not bounded by their pixel count.
 */
export function pixelLayoutProblem(header: ImageHeader): string | undefined {
  const space = header.space ?? 'srgb';
  const depth = header.depth ?? 'uchar';
  const bands = DECODED_SPACES[space];
  const layout = `${header.channels} band${header.channels === 1 ? '' : 's'} of ${depth} in colour space ${space}`;
  if (bands === undefined) {
    return `${layout}: only grey, RGB and CMYK images are decoded`;
  }
  if (header.channels < bands[0] || header.channels > bands[1]) {
    return `${layout}: ${space} images are decoded with ${bands[0]} or ${bands[1]} bands (colour, then alpha)`;
  }
  if (depth !== 'uchar' && depth !== 'ushort') {
    return `${layout}: only 8- and 16-bit samples are decoded`;
  }
  return undefined;
}

/**
 * The libvips steps that reduce a decoded image to 8-bit RGB (CMYK: 8-bit CMYK) as PIL converts
 * it, added to `pipeline` (sharp's raw output then casts to 8 bits):
 * - 16-bit colour and grey with alpha: libvips' RGB16 and GREY16 to sRGB conversions keep the high
 *   byte (a shift by 8, as PIL's `;16B` unpackers);
 * - 16-bit grey without alpha: times 256, clipped to 65535 by the cast back to 16 bits, then the
 *   high byte: `min(value, 255)`, PIL's clip of mode `I`;
 * - 16-bit CMYK: times 1/256, truncated by the cast to 8 bits: the high byte (PIL's `CMYK;16B`);
 * - alpha removed, grey replicated by libvips' B_W to sRGB conversion; CMYK kept as CMYK (sharp
 *   would convert it through a colour profile), for {@link cmykToRgb}.
 */
function rgbPipeline(pipeline: Sharp, header: ImageHeader): Sharp {
  const sixteenBit = header.depth === 'ushort';
  if (header.space === 'cmyk') {
    let cmyk = pipeline.pipelineColourspace('cmyk').toColourspace('cmyk');
    if (sixteenBit) cmyk = cmyk.linear(1 / 256, 0);
    return cmyk.removeAlpha();
  }
  if (sixteenBit && header.channels === 1) pipeline = pipeline.linear(256, 0);
  return pipeline.removeAlpha().toColourspace('srgb');
}

/** Pixels converted between two looks at the event loop's clock in {@link cmykToRgb}. */
const CMYK_SLICE_PIXELS = 1 << 20;

/** Milliseconds of conversion after which {@link cmykToRgb} yields to the event loop. */
const YIELD_AFTER_MS = 20;

/**
 * PIL `cmyk2rgb` (Convert.c): naive, no colour management. Converts a slice of pixels at a time
 * and yields to the event loop every {@link YIELD_AFTER_MS} ms, so that a large CMYK image does
 * not stall the thread it runs on. Written by hand: libvips converts CMYK only through a colour
 * profile, and its arithmetic operations that sharp exposes cannot multiply one band by another.
 */
async function cmykToRgb(cmyk: Uint8Array, pixels: number): Promise<Uint8Array> {
  const rgb = new Uint8Array(pixels * 3);
  let since = performance.now();
  for (let start = 0; start < pixels; start += CMYK_SLICE_PIXELS) {
    const end = Math.min(pixels, start + CMYK_SLICE_PIXELS);
    for (let pixel = start, at = start * 4, out = start * 3; pixel < end; pixel++, at += 4) {
      const notBlack = 255 - cmyk[at + 3]!;
      for (let channel = 0; channel < 3; channel++) {
        // MULDIV255(a, b) = (t = a * b + 128, ((t >> 8) + t) >> 8)
        const product = cmyk[at + channel]! * notBlack + 128;
        const value = notBlack - (((product >> 8) + product) >> 8);
        rgb[out++] = Math.max(value, 0);
      }
    }
    if (performance.now() - since > YIELD_AFTER_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      since = performance.now();
    }
  }
  return rgb;
}

/** Loads sharp (an optional peer) once. */
export function loadSharp(): Promise<SharpFactory> {
  return importOptionalPeer<SharpFactory>('sharp');
}

/**
 * Decodes an image with sharp into 8-bit RGB as PIL's `ImageOps.exif_transpose(image)
 * .convert('RGB')` sees it: EXIF orientation applied, embedded ICC profiles ignored (PIL does not
 * apply them), CMYK converted with PIL's naive formula (not through a colour profile), alpha
 * dropped (not composited), grey replicated, palettes expanded, 16-bit samples reduced to their
 * high byte (PIL's `;16B` unpackers), except 16-bit grey without alpha, clipped to 0..255 (PIL
 * opens it as mode `I`, and `convert('RGB')` clips: a PIL quirk, kept for parity).
 *
 * Every reduction to 8-bit RGB happens inside libvips, on its threads, as the rows stream out of
 * the decoder (see {@link rgbPipeline}): what reaches JavaScript is the 8-bit RGB result (CMYK:
 * 8-bit CMYK, converted here a slice at a time, yielding to the event loop), never the decoder's
 * 16-bit or many-band samples. Layouts {@link pixelLayoutProblem} refuses are rejected before
 * any decoding (`admitImage` refuses them first, naming the input).
 *
 * Rejects with sharp's own error when the bytes are not a decodable image; callers wrap it in an
 * `ImageLoadError` that names the input.
 */
export async function decodeRgb(
  bytes: Uint8Array,
  options: DecodeRgbOptions = {},
): Promise<DecodedRgbImage> {
  const sharp = await loadSharp();
  const header = options.header ?? (await readImageHeader(bytes));
  const layoutProblem = pixelLayoutProblem(header);
  // admitImage refuses these first; a direct caller gets the same words.
  if (layoutProblem !== undefined) throw new Error(layoutProblem);
  const sourceWidth = header.width;
  const sourceHeight = header.height;
  const cmyk = header.space === 'cmyk';
  // ignoreIcc: PIL never applies an embedded profile; sharp would convert to sRGB with it.
  let pipeline = sharp(bytes, { ignoreIcc: true, autoOrient: true, sequentialRead: true });
  if (options.timeoutSeconds !== undefined) {
    pipeline = pipeline.timeout({ seconds: options.timeoutSeconds });
  }
  const shrunk =
    header.format === 'jpeg' && !cmyk ? options.preShrink?.(sourceWidth, sourceHeight) : undefined;
  if (shrunk !== undefined) {
    // fastShrinkOnLoad (the default) lets libjpeg do most of the reduction while decoding.
    pipeline = pipeline.resize(shrunk.width, shrunk.height, { fit: 'fill', kernel: 'lanczos3' });
  }
  let data: Buffer;
  let info: { width: number; height: number; channels: number };
  try {
    ({ data, info } = await rgbPipeline(pipeline, header)
      .raw()
      .toBuffer({ resolveWithObject: true }));
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('timeout')) {
      throw new ImageDecodeTimeout(
        `decoding took longer than ${options.timeoutSeconds} s (${error.message})`,
        { cause: error },
      );
    }
    throw error;
  }
  const pixels = info.width * info.height;
  const samples = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const rgb = cmyk ? await cmykToRgb(samples, pixels) : samples;
  return { data: rgb, width: info.width, height: info.height, sourceWidth, sourceHeight };
}
