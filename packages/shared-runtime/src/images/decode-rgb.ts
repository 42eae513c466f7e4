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
}

/** Reads the header of an image (no pixel is decoded, whatever size it declares). */
export async function readImageHeader(bytes: Uint8Array): Promise<ImageHeader> {
  const sharp = await loadSharp();
  const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  return {
    format: metadata.format,
    width: metadata.autoOrient.width,
    height: metadata.autoOrient.height,
    space: metadata.space,
    depth: metadata.depth,
    channels: metadata.channels ?? 3,
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
}

/** The size a large JPEG is decoded at before the exact resample. */
export interface PreShrinkSize {
  readonly width: number;
  readonly height: number;
}

/** Loads sharp (an optional peer) once. */
export function loadSharp(): Promise<SharpFactory> {
  return importOptionalPeer<SharpFactory>('sharp');
}

/** PIL `cmyk2rgb` (Convert.c): naive, no colour management. */
function cmykToRgb(cmyk: Uint8Array, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let pixel = 0, at = 0, out = 0; pixel < pixels; pixel++, at += 4) {
    const notBlack = 255 - cmyk[at + 3]!;
    for (let channel = 0; channel < 3; channel++) {
      // MULDIV255(a, b) = (t = a * b + 128, ((t >> 8) + t) >> 8)
      const product = cmyk[at + channel]! * notBlack + 128;
      const value = notBlack - (((product >> 8) + product) >> 8);
      rgb[out++] = Math.max(value, 0);
    }
  }
  return rgb;
}

/**
 * Raw samples (1 to 4 channels, 8 or 16 bits) to RGB the way PIL's `open` + `convert('RGB')`
 * does: grey replicated, alpha dropped (not composited), 16-bit colour and grey+alpha samples
 * reduced to their high byte (PIL's `;16B` unpackers), and 16-bit grey without alpha clipped to
 * 0..255 (PIL opens it as mode `I` and `convert('RGB')` clips: a PIL quirk, kept for parity).
 */
function samplesToRgb(
  samples: Uint8Array | Uint16Array,
  pixels: number,
  channels: number,
  clipSixteenBitGrey: boolean,
): Uint8Array {
  const sixteenBit = samples instanceof Uint16Array;
  const toByte = sixteenBit
    ? clipSixteenBitGrey
      ? (value: number) => Math.min(value, 255)
      : (value: number) => value >> 8
    : (value: number) => value;
  if (channels === 3 && !sixteenBit) return samples as Uint8Array;
  const rgb = new Uint8Array(pixels * 3);
  const grey = channels < 3;
  for (let pixel = 0, at = 0, out = 0; pixel < pixels; pixel++, at += channels) {
    if (grey) {
      const value = toByte(samples[at]!);
      rgb[out++] = value;
      rgb[out++] = value;
      rgb[out++] = value;
    } else {
      rgb[out++] = toByte(samples[at]!);
      rgb[out++] = toByte(samples[at + 1]!);
      rgb[out++] = toByte(samples[at + 2]!);
    }
  }
  return rgb;
}

/**
 * Decodes an image with sharp into 8-bit RGB as PIL's `ImageOps.exif_transpose(image)
 * .convert('RGB')` sees it: EXIF orientation applied, embedded ICC profiles ignored (PIL does not
 * apply them), CMYK converted with PIL's naive formula (not through a colour profile), alpha
 * dropped, grey replicated, palettes expanded.
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
  const sourceWidth = header.width;
  const sourceHeight = header.height;
  const cmyk = header.space === 'cmyk';
  const sixteenBit = header.depth === 'ushort';
  const channels = header.channels;
  // ignoreIcc: PIL never applies an embedded profile; sharp would convert to sRGB with it.
  let pipeline = sharp(bytes, { ignoreIcc: true, autoOrient: true });
  const shrunk =
    header.format === 'jpeg' && !cmyk ? options.preShrink?.(sourceWidth, sourceHeight) : undefined;
  if (shrunk !== undefined) {
    // fastShrinkOnLoad (the default) lets libjpeg do most of the reduction while decoding.
    pipeline = pipeline.resize(shrunk.width, shrunk.height, { fit: 'fill', kernel: 'lanczos3' });
  }
  if (cmyk) {
    // Keep the samples CMYK: by default sharp converts CMYK through a colour profile.
    pipeline = pipeline.pipelineColourspace('cmyk').toColourspace('cmyk');
  } else if (sixteenBit) {
    pipeline = pipeline.toColourspace(channels <= 2 ? 'grey16' : 'rgb16');
  }
  const { data, info } = await pipeline
    .raw(sixteenBit ? { depth: 'ushort' } : {})
    .toBuffer({ resolveWithObject: true });
  const pixels = info.width * info.height;
  let rgb: Uint8Array;
  if (sixteenBit) {
    const samples = new Uint16Array(
      data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    );
    rgb = cmyk
      ? // PIL's CMYK;16B unpacker keeps the high byte.
        cmykToRgb(
          Uint8Array.from(samples, (sample) => sample >> 8),
          pixels,
        )
      : samplesToRgb(samples, pixels, info.channels, channels === 1);
  } else {
    const samples = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    rgb = cmyk ? cmykToRgb(samples, pixels) : samplesToRgb(samples, pixels, info.channels, false);
  }
  return { data: rgb, width: info.width, height: info.height, sourceWidth, sourceHeight };
}
