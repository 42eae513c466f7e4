import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { animatedWebp, progressiveJpeg } from '../testing/hostile-images.js';
import { countJpegScans } from './count-jpeg-scans.js';
import { countWebpFrames } from './count-webp-frames.js';

const photo = () =>
  sharp({
    create: {
      width: 64,
      height: 48,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  });

describe('countJpegScans (marker structure, no decoding)', () => {
  it('counts one scan in a baseline JPEG and every scan of a progressive one', async () => {
    expect(countJpegScans(await photo().jpeg().toBuffer(), 1000)).toBe(1);
    // libjpeg's standard progressive script: 10 scans for YCbCr (mozjpeg's own may differ).
    const progressive = await photo().jpeg({ progressive: true, mozjpeg: false }).toBuffer();
    expect(countJpegScans(progressive, 1000)).toBe(10);
    for (const scans of [1, 2, 101, 2647]) {
      expect(countJpegScans(progressiveJpeg(64, 48, scans), 10_000)).toBe(scans);
    }
  });

  it('skips stuffed bytes and restart markers in the entropy-coded data', async () => {
    // Noise compresses to entropy data full of stuffed 0xFF 0x00 bytes.
    const noisy = await photo()
      .jpeg({ quality: 100, progressive: true, mozjpeg: false })
      .toBuffer();
    expect(noisy.includes(Buffer.from([0xff, 0x00]))).toBe(true);
    expect(countJpegScans(noisy, 1000)).toBe(10);
  });

  it('stops counting past the limit', () => {
    expect(countJpegScans(progressiveJpeg(64, 48, 2647), 100)).toBe(101);
  });
});

describe('countWebpFrames (RIFF chunks, no decoding)', () => {
  it('counts a still WebP as one frame and every frame of an animation', async () => {
    expect(countWebpFrames(await photo().webp().toBuffer(), 10)).toBe(1);
    expect(countWebpFrames(await animatedWebp(37), 100)).toBe(37);
    // sharp reads the generated animation as that many pages.
    expect((await sharp(await animatedWebp(37)).metadata()).pages).toBe(37);
  });

  it('stops counting past the limit', async () => {
    expect(countWebpFrames(await animatedWebp(50), 10)).toBe(11);
  });
});
