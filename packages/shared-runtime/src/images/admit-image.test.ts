import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageLoadError } from '../errors/image-load-error.js';
import {
  animatedWebp,
  blackPng,
  pngFile,
  progressiveJpeg,
  tiffFile,
} from '../testing/hostile-images.js';
import { admitImage, DECODED_FORMATS, decodeFailure } from './admit-image.js';
import { ImageDecodeTimeout } from './decode-rgb.js';
import { DECODE_BYTE_BUDGET, PixelBudget } from './pixel-budget.js';

/** The header of a `width` x `height` RGB PNG (its data cut short): enough for sharp's metadata. */
function pngHeader(width: number, height: number): Buffer {
  return pngFile(width, height, deflateSync(Buffer.alloc(16)));
}

const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="16000" height="16000"><rect width="9" height="9"/></svg>',
);

async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
}

async function admitError(promise: Promise<unknown>): Promise<ImageLoadError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ImageLoadError);
  return error as ImageLoadError;
}

const base = { maxPixels: 100, inputIndex: 3, description: 'photo.png' };

describe('admitImage', () => {
  it('refuses SVG from its header, whatever size it declares', async () => {
    const error = await admitError(admitImage(SVG, base));
    expect(error).toMatchObject({ inputIndex: 3, reason: 'unsupported-format', limit: undefined });
    expect(error.message).toBe(
      'Input 3: cannot decode image photo.png: SVG is not accepted (use JPEG, PNG, WEBP, GIF, TIFF, AVIF, HEIF, JP2, JXL).',
    );
    expect(DECODED_FORMATS).not.toContain('svg');
  });

  it('refuses more pixels than maxPixels, and admits exactly maxPixels', async () => {
    const budget = new PixelBudget(1000);
    const slots = new PixelBudget(1);
    const error = await admitError(admitImage(await png(11, 10), { ...base, budget, slots }));
    expect(error).toMatchObject({ reason: 'too-many-pixels', limit: 100 });
    expect(error.message).toBe(
      'Input 3: cannot decode image photo.png: 11x10 is 110 pixels, more than maxImagePixels (100).',
    );
    // The refusal gave its native slot back.
    expect(slots.available).toBe(1);
    const { release, header } = await admitImage(await png(10, 10), { ...base, budget, slots });
    expect(header).toEqual({
      format: 'png',
      width: 10,
      height: 10,
      space: 'srgb',
      depth: 'uchar',
      channels: 3,
      pages: 1,
    });
    // Decoded bytes: 10 x 10 pixels of 3 bytes; one native slot.
    expect([budget.available, slots.available]).toEqual([700, 0]);
    release();
    expect([budget.available, slots.available]).toEqual([1000, 1]);
  });

  it('names bytes that are no image as undecodable', async () => {
    const error = await admitError(admitImage(Uint8Array.from([1, 2, 3, 4]), base));
    expect(error).toMatchObject({ reason: 'undecodable', inputIndex: 3 });
    expect(error.message).toBe(
      'Input 3: cannot decode image photo.png: its first bytes are those of no image format read here (JPEG, PNG, WEBP, GIF, TIFF, AVIF, HEIF, JP2, JXL).',
    );
    // A signature that passes with a header sharp cannot read: sharp's words, as the cause.
    const broken = await admitError(
      admitImage(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), base),
    );
    expect(broken).toMatchObject({ reason: 'undecodable', inputIndex: 3 });
    expect(broken.cause).toBeInstanceOf(Error);
  });

  it('makes two 60 MP images take turns on the process-wide budget of decoded bytes', async () => {
    const large = pngHeader(8000, 7500);
    const options = { maxPixels: 89_478_485, inputIndex: 0, description: 'large.png' };
    const { release: releaseFirst } = await admitImage(large, options);
    expect(DECODE_BYTE_BUDGET.available).toBe(89_478_485 * 4 - 60_000_000 * 3);
    let secondAdmitted = false;
    const second = admitImage(large, { ...options, inputIndex: 1 }).then(({ release }) => {
      secondAdmitted = true;
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(secondAdmitted).toBe(false);
    releaseFirst();
    (await second)();
    expect(secondAdmitted).toBe(true);
    expect(DECODE_BYTE_BUDGET.available).toBe(89_478_485 * 4);
  });

  it('refuses PDF by its first bytes, and counts what the structure says before any decoder', async () => {
    const pdf = await admitError(admitImage(Buffer.from('%PDF-1.7\n%...'), base));
    expect(pdf).toMatchObject({ reason: 'unsupported-format' });
    expect(pdf.message).toContain('PDF is not accepted');
    const scans = await admitError(
      admitImage(progressiveJpeg(16, 16, 12), { ...base, maxPixels: 1000, maxScans: 11 }),
    );
    expect(scans).toMatchObject({ reason: 'too-many-scans', limit: 11 });
    expect(scans.message).toBe(
      'Input 3: cannot decode image photo.png: the progressive JPEG has more than maxImageScans (11) scans.',
    );
    const allowed = await admitImage(progressiveJpeg(16, 16, 11), {
      ...base,
      maxPixels: 1000,
      maxScans: 11,
    });
    allowed.release();
    const frames = await admitError(admitImage(await animatedWebp(11), { ...base, maxFrames: 10 }));
    expect(frames).toMatchObject({ reason: 'too-many-frames', limit: 10 });
    (await admitImage(await animatedWebp(10), { ...base, maxFrames: 10 })).release();
  });

  it('refuses pages, layouts and aspect ratios from the header', async () => {
    const frames = await Promise.all(
      ['#f00', '#0f0', '#00f'].map((background) =>
        sharp({ create: { width: 4, height: 4, channels: 3, background } })
          .png()
          .toBuffer(),
      ),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(3);
    expect(await admitError(admitImage(gif, { ...base, maxFrames: 2 }))).toMatchObject({
      reason: 'too-many-frames',
      limit: 2,
    });
    const bands = await admitError(
      admitImage(tiffFile({ width: 5, height: 5, bands: 6, extraSamples: [0, 0, 0] }), base),
    );
    expect(bands).toMatchObject({ reason: 'unsupported-format' });
    expect(bands.message).toContain('6 bands of uchar');
    const tall = await admitError(
      admitImage(await blackPng(1, 21), { ...base, maxAspectRatio: 20 }),
    );
    expect(tall).toMatchObject({ reason: 'extreme-aspect-ratio', limit: 20 });
    expect(tall.message).toBe(
      'Input 3: cannot decode image photo.png: 1x21 is more than maxImageAspectRatio (20) times longer than wide.',
    );
    (await admitImage(await blackPng(20, 1), { ...base, maxAspectRatio: 20 })).release();
  });

  it('names a decode that ran past imageDecodeTimeout as a timeout, even from a worker', () => {
    // What a worker thread sends back: a plain Error carrying the name.
    const fromWorker = Object.assign(new Error('decoding took longer than 2 s'), {
      name: 'ImageDecodeTimeout',
    });
    for (const error of [new ImageDecodeTimeout('decoding took longer than 2 s'), fromWorker]) {
      const failure = decodeFailure(error, {
        inputIndex: 2,
        description: 'a.png',
        timeoutMs: 1500,
      });
      expect(failure).toMatchObject({ name: 'ImageLoadError', reason: 'timeout', limit: 1500 });
      expect(failure.message).toBe(
        'Input 2: cannot decode image a.png: decoding took longer than imageDecodeTimeout (1500 ms).',
      );
    }
    expect(
      decodeFailure(new Error('VipsJpeg: bad'), {
        inputIndex: 0,
        description: 'b.jpg',
        timeoutMs: 1,
      }),
    ).toMatchObject({ reason: 'undecodable', limit: undefined });
  });
});
