import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { largeSvg, tiffFile } from '../testing/hostile-images.js';
import { readImageSignature } from './image-signature.js';

const text = (value: string) => new TextEncoder().encode(value);

describe('readImageSignature (Pillow-style _accept, before any decoder)', () => {
  it.each(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif'] as const)(
    'recognises a %s file sharp wrote',
    async (format) => {
      const image = sharp({ create: { width: 8, height: 8, channels: 3, background: '#123' } });
      const bytes =
        format === 'heif'
          ? await image.heif({ compression: 'av1' }).toBuffer()
          : await image.toFormat(format).toBuffer();
      const expected = format === 'avif' ? 'heif' : format;
      expect(readImageSignature(bytes)).toEqual({ kind: 'raster', format: expected });
    },
  );

  it('recognises big-endian TIFF, BigTIFF, JPEG 2000 and JPEG XL signatures', () => {
    expect(readImageSignature(tiffFile({ width: 1, height: 1, bands: 1 }))).toEqual({
      kind: 'raster',
      format: 'tiff',
    });
    expect(readImageSignature(Uint8Array.from([0x4d, 0x4d, 0, 0x2b, 0, 8]))).toMatchObject({
      format: 'tiff',
    });
    expect(readImageSignature(Uint8Array.from([0xff, 0x4f, 0xff, 0x51, 0]))).toMatchObject({
      format: 'jp2',
    });
    expect(readImageSignature(Uint8Array.from([0xff, 0x0a, 0x01]))).toMatchObject({
      format: 'jxl',
    });
  });

  it.each([
    ['SVG', largeSvg(1000)],
    ['SVG', text('\ufeff  <?xml version="1.0"?><svg/>')],
    ['SVG', text('\n\n<!-- a comment --><svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['PDF', text('%PDF-1.7\n')],
    ['PostScript', text('%!PS-Adobe-3.0 EPSF-3.0')],
    ['PPM', text('P6\n16000 16000\n255\n')],
    ['BMP', text('BM....')],
    ['FITS', text('SIMPLE  =                    T')],
  ])('refuses %s by its first bytes', (name, bytes) => {
    expect(readImageSignature(bytes)).toEqual({ kind: 'refused', name });
  });

  it('knows nothing of other bytes', () => {
    expect(readImageSignature(Uint8Array.from([1, 2, 3, 4]))).toEqual({ kind: 'unknown' });
    expect(readImageSignature(new Uint8Array(0))).toEqual({ kind: 'unknown' });
    expect(readImageSignature(text('RIFF....WAVEfmt '))).toEqual({ kind: 'unknown' });
  });
});
