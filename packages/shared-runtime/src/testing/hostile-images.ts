import { once } from 'node:events';
import { crc32, createDeflate, deflateSync } from 'node:zlib';
import { importOptionalPeer } from '../optional-peer.js';

/**
 * Generators of hostile image files, built by code from their format's structure, never holding
 * the pixels they declare: a few kilobytes that ask a decoder for gigabytes or minutes. The
 * hostile-input tests and the soak (`npm run soak`) embed them; use them to try your own server.
 */

/** One PNG chunk: length, type, data and its CRC. */
function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** PNG colour types (the IHDR byte). */
export const PNG_COLOUR_TYPES = { grey: 0, rgb: 2, greyAlpha: 4, rgba: 6 } as const;

/** Options of {@link pngFile}. */
export interface PngFileOptions {
  /** Bits per sample. @default 8 */
  readonly bitDepth?: 8 | 16;
  /** @default 'rgb' */
  readonly colourType?: keyof typeof PNG_COLOUR_TYPES;
}

/**
 * A PNG file of `width` x `height` pixels (deflate, adaptive filter, no interlace) around
 * `compressedRows`, the deflated filtered rows as they are: a file whose header declares a size
 * its data need not hold (a header-only PNG, a decompression bomb).
 */
export function pngFile(
  width: number,
  height: number,
  compressedRows: Buffer,
  options: PngFileOptions = {},
): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([options.bitDepth ?? 8, PNG_COLOUR_TYPES[options.colourType ?? 'rgb'], 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', compressedRows),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const PNG_CHANNELS = { grey: 1, rgb: 3, greyAlpha: 2, rgba: 4 } as const;

/**
 * A PNG of `width` x `height` black pixels, deflated row by row as it is built (about 1/1000 of
 * its decoded size: an 89 MP 16-bit RGBA PNG is 696 KB, a 1-pixel-wide grey PNG of 89M rows
 * 173 KB), without ever holding the pixels.
 */
export async function blackPng(
  width: number,
  height: number,
  options: PngFileOptions = {},
): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const compressed: Buffer[] = [];
  deflate.on('data', (data: Buffer) => compressed.push(data));
  const bytesPerPixel = PNG_CHANNELS[options.colourType ?? 'rgb'] * ((options.bitDepth ?? 8) / 8);
  const rowBytes = 1 + width * bytesPerPixel;
  // Many short rows at once: one write per row would cost a call per row.
  const rowsPerWrite = Math.max(1, Math.floor((1 << 20) / rowBytes));
  const block = Buffer.alloc(rowsPerWrite * rowBytes);
  for (let y = 0; y < height; y += rowsPerWrite) {
    const rows = Math.min(rowsPerWrite, height - y);
    if (!deflate.write(rows === rowsPerWrite ? block : block.subarray(0, rows * rowBytes))) {
      await once(deflate, 'drain');
    }
  }
  deflate.end();
  await once(deflate, 'end');
  return pngFile(width, height, Buffer.concat(compressed), options);
}

/** TIFF photometric interpretations (tag 262). */
export const TIFF_PHOTOMETRIC = { minIsBlack: 1, rgb: 2, separated: 5 } as const;

/** Options of {@link tiffFile}. */
export interface TiffFileOptions {
  readonly width: number;
  readonly height: number;
  /** Samples per pixel. */
  readonly bands: number;
  /** @default 8 */
  readonly bitsPerSample?: 8 | 16;
  /** @default 'rgb' for 3 bands or more, else 'minIsBlack'; `separated` is CMYK (ink set 1). */
  readonly photometric?: keyof typeof TIFF_PHOTOMETRIC;
  /** Bands past the colour ones: `ExtraSamples` (0: unspecified, 2: unassociated alpha). @default none */
  readonly extraSamples?: readonly number[];
  /**
   * The samples, row by row (little-endian when 16-bit): written uncompressed in one strip.
   * @default black, deflated strip by strip, every strip pointing at the same compressed bytes
   */
  readonly samples?: Uint8Array | Uint16Array;
}

/**
 * A little-endian baseline TIFF. Without `samples`, a black image of any size in a few
 * kilobytes: one deflated strip of zeros that every strip entry points at (a 16-bit CMYK TIFF of
 * 6000x6000 is about 300 KB, 64 bands of 9000x9000 about 80 KB).
 */
export function tiffFile(options: TiffFileOptions): Buffer {
  const { width, height, bands } = options;
  const bits = options.bitsPerSample ?? 8;
  const photometric = options.photometric ?? (bands >= 3 ? 'rgb' : 'minIsBlack');
  const rowBytes = width * bands * (bits / 8);
  let strips: Buffer[];
  let rowsPerStrip: number;
  let compression: number;
  if (options.samples !== undefined) {
    const samples = options.samples;
    strips = [Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)];
    rowsPerStrip = height;
    compression = 1;
  } else {
    rowsPerStrip = Math.max(1, Math.min(height, Math.floor((1 << 20) / rowBytes)));
    const full = deflateSync(Buffer.alloc(rowsPerStrip * rowBytes), { level: 9 });
    const stripCount = Math.ceil(height / rowsPerStrip);
    const lastRows = height - (stripCount - 1) * rowsPerStrip;
    const last =
      lastRows === rowsPerStrip
        ? full
        : deflateSync(Buffer.alloc(lastRows * rowBytes), { level: 9 });
    strips = Array.from({ length: stripCount }, (_, index) =>
      index === stripCount - 1 ? last : full,
    );
    compression = 8;
  }
  // Distinct strip buffers are stored once; entries point at them.
  const stored = [...new Set(strips)];
  const entries: [tag: number, type: 3 | 4, values: number[]][] = [
    [256, 4, [width]],
    [257, 4, [height]],
    [258, 3, Array.from({ length: bands }, () => bits)],
    [259, 3, [compression]],
    [262, 3, [TIFF_PHOTOMETRIC[photometric]]],
    [273, 4, strips.map(() => 0)], // patched below
    [277, 3, [bands]],
    [278, 4, [rowsPerStrip]],
    [279, 4, strips.map((strip) => strip.length)],
    [284, 3, [1]],
    ...(photometric === 'separated' ? [[332, 3, [1]] as [number, 3, number[]]] : []),
    ...(options.extraSamples === undefined || options.extraSamples.length === 0
      ? []
      : [[338, 3, [...options.extraSamples]] as [number, 3, number[]]]),
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  let cursor = 8 + ifdSize;
  const outOfLine = new Map<number, number>();
  for (const [tag, type, values] of entries) {
    const size = values.length * (type === 3 ? 2 : 4);
    if (size > 4) {
      outOfLine.set(tag, cursor);
      cursor += size + (size & 1);
    }
  }
  const dataOffsets = new Map<Buffer, number>();
  for (const strip of stored) {
    dataOffsets.set(strip, cursor);
    cursor += strip.length;
  }
  entries[5]![2] = strips.map((strip) => dataOffsets.get(strip)!);
  const file = Buffer.alloc(cursor);
  file.write('II', 0, 'latin1');
  file.writeUInt16LE(42, 2);
  file.writeUInt32LE(8, 4);
  file.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, values], index) => {
    const at = 10 + index * 12;
    file.writeUInt16LE(tag, at);
    file.writeUInt16LE(type, at + 2);
    file.writeUInt32LE(values.length, at + 4);
    const target = outOfLine.get(tag);
    if (target !== undefined) file.writeUInt32LE(target, at + 8);
    let write = target ?? at + 8;
    for (const value of values) {
      if (type === 3) file.writeUInt16LE(value, write);
      else file.writeUInt32LE(value, write);
      write += type === 3 ? 2 : 4;
    }
  });
  for (const strip of stored) strip.copy(file, dataOffsets.get(strip)!);
  return file;
}

/** Bits written most significant first, with JPEG's byte stuffing (0xFF is followed by 0x00). */
class JpegBitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private filled = 0;

  write(value: number, length: number): void {
    for (let bit = length - 1; bit >= 0; bit--) {
      this.current = (this.current << 1) | ((value >> bit) & 1);
      if (++this.filled === 8) this.flushByte();
    }
  }

  /** Pads the last byte with 1 bits, as T.81 asks, and returns the entropy-coded segment. */
  finish(): Buffer {
    if (this.filled > 0) this.write(0xff, 8 - this.filled);
    return Buffer.from(this.bytes);
  }

  private flushByte(): void {
    this.bytes.push(this.current);
    if (this.current === 0xff) this.bytes.push(0);
    this.current = 0;
    this.filled = 0;
  }
}

function jpegSegment(marker: number, payload: readonly number[] | Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, Buffer.from(payload)]);
}

/** The AC table's symbols: EOBRUN r (run of 2^r blocks plus r extra bits), for r = 0 to 14. */
const EOB_RUN_SYMBOLS = Array.from({ length: 15 }, (_, run) => run << 4);

/** Codes `blocks` all-zero blocks of an AC scan as end-of-band runs of 2^r blocks. */
function writeEndOfBandRuns(writer: JpegBitWriter, blocks: number): void {
  let left = blocks;
  while (left > 0) {
    const run = Math.min(14, Math.floor(Math.log2(left)));
    // Code of symbol r is r itself: 15 codes of 4 bits, in symbol order.
    writer.write(run, 4);
    writer.write(0, run); // extra bits: a run of exactly 2^r
    left -= 2 ** run;
  }
}

/**
 * A valid progressive JPEG (3 components, 4:4:4, all blocks black) of `width` x `height` with
 * `scans` scans: one DC scan, then, component by component and coefficient by coefficient, a
 * first AC scan at bit 13 and successive-approximation refinements down to bit 0. Up to 2,647
 * scans (1 + 3 x 63 x 14), all in end-of-band runs: a few bytes per scan, while a decoder walks
 * every block of the image once per scan (2,647 scans of 4096x4096: about 200 KB).
 */
export function progressiveJpeg(width: number, height: number, scans: number): Buffer {
  const maxScans = 1 + 3 * 63 * 14;
  if (!Number.isInteger(scans) || scans < 1 || scans > maxScans) {
    throw new RangeError(`scans must be an integer from 1 to ${maxScans}, got ${scans}.`);
  }
  const blocksAcross = Math.ceil(width / 8);
  const blocksDown = Math.ceil(height / 8);
  const blocks = blocksAcross * blocksDown;
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  parts.push(jpegSegment(0xdb, [0x00, ...Array.from({ length: 64 }, () => 1)]));
  parts.push(
    jpegSegment(0xc2, [
      8,
      height >> 8,
      height & 0xff,
      width >> 8,
      width & 0xff,
      3,
      ...[1, 2, 3].flatMap((id) => [id, 0x11, 0]),
    ]),
  );
  // DC table 0: one symbol (category 0) with the 1-bit code 0.
  parts.push(jpegSegment(0xc4, [0x00, 1, ...Array.from({ length: 15 }, () => 0), 0]));
  // AC table 0: the 15 EOBRUN symbols, 4-bit codes.
  parts.push(
    jpegSegment(0xc4, [
      0x10,
      0,
      0,
      0,
      EOB_RUN_SYMBOLS.length,
      ...Array.from({ length: 12 }, () => 0),
      ...EOB_RUN_SYMBOLS,
    ]),
  );
  // DC scan: every block's difference is 0 (one 0 bit per block, three blocks per MCU).
  const dc = new JpegBitWriter();
  for (let mcu = 0; mcu < blocks; mcu++) dc.write(0, 3);
  parts.push(jpegSegment(0xda, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0x00]), dc.finish());
  let written = 1;
  for (let component = 1; component <= 3 && written < scans; component++) {
    for (let coefficient = 1; coefficient <= 63 && written < scans; coefficient++) {
      for (let bit = 13; bit >= 0 && written < scans; bit--) {
        const high = bit === 13 ? 0 : bit + 1;
        const writer = new JpegBitWriter();
        writeEndOfBandRuns(writer, blocks);
        parts.push(
          jpegSegment(0xda, [1, component, 0x00, coefficient, coefficient, (high << 4) | bit]),
          writer.finish(),
        );
        written++;
      }
    }
  }
  parts.push(Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}

function riffChunk(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(payload.length, 4);
  return Buffer.concat([head, payload, Buffer.alloc(payload.length & 1)]);
}

function uint24(value: number): number[] {
  return [value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff];
}

/**
 * An animated WebP of `frames` frames of 1x1 pixel on a 1x1 canvas (about 50 bytes a frame:
 * 500,000 frames are 26 MB). Needs sharp (to encode the one lossless frame).
 */
export async function animatedWebp(frames: number): Promise<Buffer> {
  const sharp = await importOptionalPeer<(options: object) => import('sharp').Sharp>('sharp');
  const still = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
    .webp({ lossless: true })
    .toBuffer();
  // The still file is RIFF, size, WEBP, then its VP8L chunk.
  const bitstream = still.subarray(12);
  const frame = riffChunk(
    'ANMF',
    Buffer.concat([
      Buffer.from([...uint24(0), ...uint24(0), ...uint24(0), ...uint24(0), ...uint24(100), 0]),
      bitstream,
    ]),
  );
  const header = Buffer.concat([
    riffChunk('VP8X', Buffer.from([0x02, 0, 0, 0, ...uint24(0), ...uint24(0)])),
    riffChunk('ANIM', Buffer.from([0, 0, 0, 0, 0, 0])),
  ]);
  const body = Buffer.alloc(header.length + frames * frame.length);
  header.copy(body, 0);
  for (let index = 0, at = header.length; index < frames; index++, at += frame.length) {
    frame.copy(body, at);
  }
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + body.length, 4);
  riff.write('WEBP', 8, 'latin1');
  return Buffer.concat([riff, body]);
}

/** An SVG of about `bytes` bytes: a 100x100 canvas filled with tiny rectangles. */
export function largeSvg(bytes: number): Buffer {
  const head = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">\n';
  const rect = '<rect x="1" y="1" width="1" height="1" fill="#123456"/>\n';
  const count = Math.max(1, Math.floor((bytes - head.length - 6) / rect.length));
  return Buffer.from(`${head}${rect.repeat(count)}</svg>`);
}
