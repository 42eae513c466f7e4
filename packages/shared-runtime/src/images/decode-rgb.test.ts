import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { tiffFile } from '../testing/hostile-images.js';
import {
  decodedBytes,
  decodeRgb,
  type ImageHeader,
  pixelLayoutProblem,
  readImageHeader,
} from './decode-rgb.js';

/** PNG bytes of raw samples (8-bit from a Uint8Array, 16-bit from a Uint16Array). */
function png(
  samples: Uint8Array | Uint16Array,
  width: number,
  channels: 1 | 2 | 3 | 4,
  colourspace?: string,
): Promise<Buffer> {
  const height = samples.length / width / channels;
  let pipeline = sharp(samples, { raw: { width, height, channels } });
  if (colourspace !== undefined) pipeline = pipeline.toColourspace(colourspace);
  return pipeline.png().toBuffer();
}

/** An uncompressed CMYK TIFF (photometric "separated", ink set CMYK) of one row of pixels. */
function cmykTiff(samples: readonly number[]): Uint8Array {
  const width = samples.length / 4;
  const entries: [tag: number, type: number, count: number, value: number][] = [
    [256, 3, 1, width], // ImageWidth
    [257, 3, 1, 1], // ImageLength
    [258, 3, 4, 0], // BitsPerSample: 8, 8, 8, 8 (offset patched below)
    [259, 3, 1, 1], // Compression: none
    [262, 3, 1, 5], // PhotometricInterpretation: separated
    [273, 4, 1, 0], // StripOffsets (patched below)
    [277, 3, 1, 4], // SamplesPerPixel
    [278, 3, 1, 1], // RowsPerStrip
    [279, 4, 1, samples.length], // StripByteCounts
    [284, 3, 1, 1], // PlanarConfiguration: chunky
    [332, 3, 1, 1], // InkSet: CMYK
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  const bitsOffset = 8 + ifdSize;
  const dataOffset = bitsOffset + 8;
  const bytes = new Uint8Array(dataOffset + samples.length);
  const view = new DataView(bytes.buffer);
  bytes.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, 8, true);
  view.setUint16(8, entries.length, true);
  entries.forEach(([tag, type, count, value], index) => {
    const at = 10 + index * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, count, true);
    const patched = tag === 258 ? bitsOffset : tag === 273 ? dataOffset : value;
    if (type === 3 && count === 1) view.setUint16(at + 8, patched, true);
    else view.setUint32(at + 8, patched, true);
  });
  for (let index = 0; index < 4; index++) view.setUint16(bitsOffset + index * 2, 8, true);
  bytes.set(samples, dataOffset);
  return bytes;
}

async function rgb(bytes: Uint8Array): Promise<number[]> {
  return Array.from((await decodeRgb(bytes)).data);
}

/** A 2x1 PNG, red then blue, with EXIF orientation 6 (rotate 90 clockwise): 1x2, red on top. */
function redOverBlue(): Promise<Buffer> {
  return sharp(Uint8Array.from([255, 0, 0, 0, 0, 255]), {
    raw: { width: 2, height: 1, channels: 3 },
  })
    .withMetadata({ orientation: 6 })
    .png()
    .toBuffer();
}

describe("decodeRgb (PIL's open + convert('RGB'))", () => {
  it('keeps the colour of transparent pixels: alpha is dropped, not composited', async () => {
    const bytes = await png(Uint8Array.from([200, 100, 50, 0, 10, 20, 30, 128]), 2, 4);
    expect(await rgb(bytes)).toEqual([200, 100, 50, 10, 20, 30]);
  });

  it('replicates grey, with or without alpha', async () => {
    const grey = await png(Uint8Array.from([0, 77, 255]), 3, 1, 'b-w');
    expect((await sharp(grey).metadata()).channels).toBe(1);
    expect(await rgb(grey)).toEqual([0, 0, 0, 77, 77, 77, 255, 255, 255]);
    const greyAlpha = await png(Uint8Array.from([77, 0, 99, 255]), 2, 2, 'b-w');
    expect((await sharp(greyAlpha).metadata()).channels).toBe(2);
    expect(await rgb(greyAlpha)).toEqual([77, 77, 77, 99, 99, 99]);
  });

  it('keeps the high byte of 16-bit colour samples', async () => {
    const samples = Uint16Array.from([0x1234, 0xff00, 0x00ff, 0xabcd, 0x8080, 0x7fff]);
    expect(await rgb(await png(samples, 2, 3, 'rgb16'))).toEqual([
      0x12, 0xff, 0x00, 0xab, 0x80, 0x7f,
    ]);
  });

  it('clips 16-bit grey to 0..255, as PIL converts its mode I', async () => {
    const samples = Uint16Array.from([0, 100, 255, 256, 40000]);
    expect(await rgb(await png(samples, 5, 1, 'grey16'))).toEqual([
      0, 0, 0, 100, 100, 100, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    ]);
  });

  it("converts CMYK with PIL's naive formula, not through a colour profile", async () => {
    const cmyk = cmykTiff([0, 0, 0, 0, 255, 0, 0, 0, 100, 50, 25, 60, 10, 20, 30, 255]);
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    // PIL cmyk2rgb: nk = 255 - k; channel = nk - MULDIV255(value, nk) (value * nk / 255 rounded).
    const nk = 255 - 60;
    const channel = (value: number) => nk - Math.round((value * nk) / 255);
    expect(await rgb(cmyk)).toEqual([
      255,
      255,
      255,
      0,
      255,
      255,
      channel(100),
      channel(50),
      channel(25),
      0,
      0,
      0,
    ]);
  });

  it('applies the EXIF orientation and reports the oriented size', async () => {
    const decoded = await decodeRgb(await redOverBlue());
    expect([decoded.width, decoded.height, decoded.sourceWidth, decoded.sourceHeight]).toEqual([
      1, 2, 1, 2,
    ]);
    expect(Array.from(decoded.data)).toEqual([255, 0, 0, 0, 0, 255]);
  });

  it('reads the oriented header once, and decodes by a header handed to it without reading again', async () => {
    const bytes = await redOverBlue();
    const header = await readImageHeader(bytes);
    expect(header).toEqual({
      format: 'png',
      width: 1,
      height: 2,
      space: 'srgb',
      depth: 'uchar',
      channels: 3,
      pages: 1,
    });
    // The source size reported is the header's: proof that the bytes' own header was not read.
    const decoded = await decodeRgb(bytes, { header: { ...header, width: 10, height: 20 } });
    expect([decoded.width, decoded.height, decoded.sourceWidth, decoded.sourceHeight]).toEqual([
      1, 2, 10, 20,
    ]);
  });

  it("converts 16-bit CMYK from each sample's high byte, with and without alpha", async () => {
    // PIL's CMYK;16B unpacker keeps the high byte, then cmyk2rgb.
    const samples = [0x6480, 0x32ff, 0x1900, 0x3c7f, 0xff00, 0x0000, 0x00ff, 0x0001];
    const bytes = tiffFile({
      width: 2,
      height: 1,
      bands: 4,
      bitsPerSample: 16,
      photometric: 'separated',
      samples: Uint16Array.from(samples),
    });
    expect(await readImageHeader(bytes)).toMatchObject({ space: 'cmyk', depth: 'ushort' });
    const nk = 255 - 0x3c;
    const channel = (value: number) => nk - Math.round((value * nk) / 255);
    const expected = [channel(0x64), channel(0x32), channel(0x19), 0, 255, 255];
    expect(await rgb(bytes)).toEqual(expected);
    const withAlpha = tiffFile({
      width: 2,
      height: 1,
      bands: 5,
      bitsPerSample: 16,
      photometric: 'separated',
      extraSamples: [2],
      samples: Uint16Array.from([...samples.slice(0, 4), 0x1234, ...samples.slice(4), 0xffff]),
    });
    expect(await rgb(withAlpha)).toEqual(expected);
  });

  it('keeps the high byte of 16-bit grey with alpha (PIL opens it as LA)', async () => {
    const samples = Uint16Array.from([0x1234, 0xff00, 0x7fff, 0x0101]);
    expect(await rgb(await png(samples, 2, 2, 'grey16'))).toEqual([
      0x12, 0x12, 0x12, 0x7f, 0x7f, 0x7f,
    ]);
  });

  it('refuses a layout it does not decode before decoding, when called directly', async () => {
    const sixBands = tiffFile({ width: 3, height: 3, bands: 6, extraSamples: [0, 0, 0] });
    await expect(decodeRgb(sixBands)).rejects.toThrow(
      '6 bands of uchar in colour space srgb: srgb images are decoded with 3 or 4 bands (colour, then alpha)',
    );
  });

  it('hands JavaScript only 8-bit RGB, however the image is stored', async () => {
    const samples = Uint16Array.from({ length: 4 * 4 * 4 }, (_, index) => index * 1000);
    const decoded = await decodeRgb(await png(samples, 4, 4, 'rgb16'));
    expect(decoded.data).toBeInstanceOf(Uint8Array);
    expect(decoded.data.length).toBe(4 * 4 * 3);
  });
});

describe('pixelLayoutProblem and decodedBytes (from the header)', () => {
  const header = (overrides: Partial<ImageHeader>): ImageHeader => ({
    format: 'tiff',
    width: 100,
    height: 10,
    space: 'srgb',
    depth: 'uchar',
    channels: 3,
    ...overrides,
  });

  it.each([
    ['b-w', 'uchar', 1],
    ['b-w', 'uchar', 2],
    ['grey16', 'ushort', 1],
    ['grey16', 'ushort', 2],
    ['srgb', 'uchar', 3],
    ['srgb', 'uchar', 4],
    ['rgb16', 'ushort', 3],
    ['rgb16', 'ushort', 4],
    ['cmyk', 'uchar', 4],
    ['cmyk', 'ushort', 5],
  ])('decodes %s %s with %i bands', (space, depth, channels) => {
    expect(pixelLayoutProblem(header({ space, depth, channels }))).toBeUndefined();
  });

  it.each([
    [
      'srgb',
      'uchar',
      64,
      '64 bands of uchar in colour space srgb: srgb images are decoded with 3 or 4 bands (colour, then alpha)',
    ],
    [
      'multiband',
      'uchar',
      2,
      '2 bands of uchar in colour space multiband: only grey, RGB and CMYK images are decoded',
    ],
    [
      'lab',
      'float',
      3,
      '3 bands of float in colour space lab: only grey, RGB and CMYK images are decoded',
    ],
    [
      'b-w',
      'float',
      1,
      '1 band of float in colour space b-w: only 8- and 16-bit samples are decoded',
    ],
    [
      'cmyk',
      'uchar',
      6,
      '6 bands of uchar in colour space cmyk: cmyk images are decoded with 4 or 5 bands (colour, then alpha)',
    ],
  ])('refuses %s %s with %i bands', (space, depth, channels, problem) => {
    expect(pixelLayoutProblem(header({ space, depth, channels }))).toBe(problem);
  });

  it('counts bands and bytes per sample, at least the 8-bit RGB result', async () => {
    expect(decodedBytes(header({}))).toBe(3000);
    expect(decodedBytes(header({ space: 'b-w', channels: 1 }))).toBe(3000);
    expect(decodedBytes(header({ space: 'rgb16', depth: 'ushort', channels: 4 }))).toBe(8000);
    expect(decodedBytes(header({ channels: 64 }))).toBe(64_000);
  });
});
