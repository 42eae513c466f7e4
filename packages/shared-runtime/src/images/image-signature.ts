/**
 * What an image file's first bytes say it is, read before any decoder sees the file, the way
 * Pillow's plugins `_accept` a prefix before they parse anything: libvips would otherwise hand
 * an SVG to librsvg (a 28 MB SVG is parsed whole: 6.5 s and 1.7 GB before its size is even
 * known), a PDF to its renderer, and so on. Written by hand: the signatures are a few constant
 * prefixes, and the file-type packages of npm read streams and cover hundreds of formats.
 */

/** The raster formats decoded, as sharp's `metadata().format` names them. */
export type RasterFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'heif' | 'jp2' | 'jxl';

/** What {@link readImageSignature} found. */
export type ImageSignature =
  | { readonly kind: 'raster'; readonly format: RasterFormat }
  /** A format this library refuses by design (vector, document, or raster it does not read). */
  | { readonly kind: 'refused'; readonly name: string }
  | { readonly kind: 'unknown' };

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let index = 0; index < prefix.length; index++) {
    if (bytes[at + index] !== prefix[index]) return false;
  }
  return true;
}

function ascii(text: string): number[] {
  return Array.from(text, (character) => character.charCodeAt(0));
}

/** ISO base media brands of HEIF and AVIF files (libheif's own list, ISO/IEC 23008-12). */
const HEIF_BRANDS = new Set([
  'heic',
  'heix',
  'hevc',
  'hevx',
  'heim',
  'heis',
  'hevm',
  'hevs',
  'mif1',
  'msf1',
  'avif',
  'avis',
]);

const RASTER_SIGNATURES: readonly (readonly [RasterFormat, readonly number[], number?])[] = [
  ['jpeg', [0xff, 0xd8, 0xff]],
  ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['gif', ascii('GIF87a')],
  ['gif', ascii('GIF89a')],
  ['tiff', [0x49, 0x49, 0x2a, 0x00]],
  ['tiff', [0x4d, 0x4d, 0x00, 0x2a]],
  // BigTIFF
  ['tiff', [0x49, 0x49, 0x2b, 0x00]],
  ['tiff', [0x4d, 0x4d, 0x00, 0x2b]],
  ['jp2', [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]],
  // A bare JPEG 2000 codestream: SOC then SIZ.
  ['jp2', [0xff, 0x4f, 0xff, 0x51]],
  ['jxl', [0xff, 0x0a]],
  ['jxl', [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a]],
];

/** Formats libvips (or a user's eye) would recognise, refused by name. */
const REFUSED_SIGNATURES: readonly (readonly [string, readonly number[]])[] = [
  ['PDF', ascii('%PDF')],
  ['PostScript', ascii('%!PS')],
  ['PostScript', [0xc5, 0xd0, 0xd3, 0xc6]],
  ['BMP', ascii('BM')],
  ['PSD', ascii('8BPS')],
  ['FITS', ascii('SIMPLE  =')],
  ['EXR', [0x76, 0x2f, 0x31, 0x01]],
  ['HDR', ascii('#?RADIANCE')],
  ['HDR', ascii('#?RGBE')],
  ['VIPS', [0x08, 0xf2, 0xa6, 0xb6]],
  ['VIPS', [0xb6, 0xa6, 0xf2, 0x08]],
  ['ICO', [0x00, 0x00, 0x01, 0x00]],
];

/** The first non-blank byte, after a UTF-8 or UTF-16 byte order mark. */
function firstTextByte(bytes: Uint8Array): number | undefined {
  let at = 0;
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) at = 3;
  else if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) {
    // UTF-16: the first character, whichever byte holds it.
    for (at = 2; at < Math.min(bytes.length, 512); at++) {
      const byte = bytes[at]!;
      if (byte !== 0 && byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) {
        return byte;
      }
    }
    return undefined;
  }
  for (; at < Math.min(bytes.length, 4096); at++) {
    const byte = bytes[at]!;
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return byte;
  }
  return undefined;
}

/**
 * Reads the signature of an image file from its first bytes (at most the first 4 KiB).
 * Markup (`<`, after a byte order mark and blanks: SVG, XML, HTML) is refused as `SVG`, as is
 * every other format of {@link REFUSED_SIGNATURES}.
 */
export function readImageSignature(bytes: Uint8Array): ImageSignature {
  for (const [format, prefix] of RASTER_SIGNATURES) {
    if (startsWith(bytes, prefix)) return { kind: 'raster', format };
  }
  // RIFF....WEBP
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) {
    return { kind: 'raster', format: 'webp' };
  }
  // ISO base media: ....ftyp<brand>
  if (startsWith(bytes, ascii('ftyp'), 4) && bytes.length >= 12) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (HEIF_BRANDS.has(brand)) return { kind: 'raster', format: 'heif' };
  }
  for (const [name, prefix] of REFUSED_SIGNATURES) {
    if (startsWith(bytes, prefix)) return { kind: 'refused', name };
  }
  // Netpbm: P1 to P7, then a blank.
  if (
    bytes.length >= 3 &&
    bytes[0] === 0x50 &&
    bytes[1]! >= 0x31 &&
    bytes[1]! <= 0x37 &&
    /\s/.test(String.fromCharCode(bytes[2]!))
  ) {
    return { kind: 'refused', name: 'PPM' };
  }
  if (firstTextByte(bytes) === 0x3c) return { kind: 'refused', name: 'SVG' };
  return { kind: 'unknown' };
}
