import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/models.js';
import { defaultPreprocessConfig, type ImagePreprocessConfig } from './image-preprocess-config.js';
import {
  PRE_SHRINK_MIN,
  preprocessImage,
  preShrinkSize,
  sharpJpegShrinkOnLoad,
  toPixelValues,
} from './preprocess-image.js';

const REFERENCE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'test-fixtures',
  'reference',
);
const SIZES = [224, 512] as const;

/** What make_goldens.py recorded per golden: the oriented source size, normalised channel means. */
const SUMMARY = JSON.parse(
  readFileSync(join(REFERENCE, 'goldens', 'summary.json'), 'utf8'),
) as Record<
  string,
  { source_size_after_exif: [number, number]; channel_means_normalized: number[] }
>;

function configFor(size: number, overrides: Partial<ImagePreprocessConfig> = {}) {
  return {
    ...defaultPreprocessConfig({ ...MODELS['jina-clip-v1'], imageSize: size }),
    ...overrides,
  };
}

/** A lossless PNG of `width` x `height` RGB pixels given row by row. */
function png(width: number, height: number, pixels: readonly number[]): Promise<Buffer> {
  return sharp(Uint8Array.from(pixels), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** `count` copies of an RGB triple. */
function repeat(rgb: readonly [number, number, number], count: number): number[] {
  return Array.from({ length: count }, () => rgb).flat();
}

describe('preprocessImage against the PIL goldens', () => {
  const images = readdirSync(join(REFERENCE, 'images')).sort();

  it('matches every golden within mean 0.5 and max 10 levels', async () => {
    expect(images).toHaveLength(10);
    const rows: { image: string; size: number; mean: string; max: number; ms: string }[] = [];
    for (const name of images) {
      const bytes = readFileSync(join(REFERENCE, 'images', name));
      for (const size of SIZES) {
        const stem = name.replace(/\.[^.]+$/, '');
        const golden = await sharp(join(REFERENCE, 'goldens', `${stem}.${size}.png`))
          .raw()
          .toBuffer();
        const started = performance.now();
        const image = await preprocessImage(bytes, configFor(size));
        const ms = performance.now() - started;
        expect(image.width).toBe(size);
        expect(image.height).toBe(size);
        expect(image.data.length).toBe(golden.length);
        let total = 0;
        let max = 0;
        for (let index = 0; index < golden.length; index++) {
          const difference = Math.abs(golden[index]! - image.data[index]!);
          total += difference;
          if (difference > max) max = difference;
        }
        const mean = total / golden.length;
        const summary = SUMMARY[`${stem}.${size}`]!;
        expect([image.sourceWidth, image.sourceHeight]).toEqual(summary.source_size_after_exif);
        // The float tensor too: per-channel means of toPixelValues against numpy's, which summed
        // in float32 (off by up to 3e-3 from the exact mean), hence the loose tolerance.
        const pixelValues = toPixelValues([image.data], configFor(size));
        const plane = size * size;
        for (let channel = 0; channel < 3; channel++) {
          let sum = 0;
          for (let index = 0; index < plane; index++) sum += pixelValues[channel * plane + index]!;
          expect(sum / plane).toBeCloseTo(summary.channel_means_normalized[channel]!, 2);
        }
        rows.push({ image: name, size, mean: mean.toFixed(4), max, ms: ms.toFixed(1) });
        expect(mean, `${name} at ${size}`).toBeLessThanOrEqual(0.5);
        expect(max, `${name} at ${size}`).toBeLessThanOrEqual(10);
        // PNG decoding leaves no room for decoder differences: the resampler is bit-exact.
        if (name.endsWith('.png')) expect(max, `${name} at ${size}`).toBe(0);
      }
    }
    console.log(
      [
        'image                 size  mean abs diff  max diff  time (ms)',
        ...rows.map(
          (row) =>
            `${row.image.padEnd(22)}${String(row.size).padEnd(6)}${row.mean.padEnd(15)}${String(row.max).padEnd(10)}${row.ms}`,
        ),
      ].join('\n'),
    );
  });

  it('rejects bytes that are not an image with the decoder error', async () => {
    await expect(
      preprocessImage(new TextEncoder().encode('not an image'), configFor(224)),
    ).rejects.toThrow(/unsupported image format/);
  });
});

/** Mean and max absolute difference of two byte arrays of one length. */
function difference(a: Uint8Array, b: Uint8Array): { mean: number; max: number } {
  let total = 0;
  let max = 0;
  for (let index = 0; index < a.length; index++) {
    const value = Math.abs(a[index]! - b[index]!);
    total += value;
    if (value > max) max = value;
  }
  return { mean: total / a.length, max };
}

describe('preShrinkSize', () => {
  it('follows sharp 0.34: the scale is halved when the shrink truncates to it', () => {
    expect(
      [1.9, 2, 2.9, 3, 3.99, 4, 4.99, 5, 7.9, 8, 8.99, 9, 40].map(sharpJpegShrinkOnLoad),
    ).toEqual([1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 8, 8]);
  });

  it.each([
    // Twice the resized size decodes at 1/4: kept.
    [4000, 3000, 298, 224, { width: 597, height: 448 }],
    // Twice would decode at full size (a shrink of 2.9 truncates to 2): a third, at 1/2 scale.
    [4000, 3000, 683, 512, { width: 1333, height: 1000 }],
    [3000, 4000, 512, 683, { width: 1000, height: 1333 }],
    [1600, 1200, 298, 224, { width: 533, height: 400 }],
    [16000, 12000, 298, 224, { width: 597, height: 448 }],
    // Twice would decode at 1/4 (a shrink of 8.5 truncates to 8); a ninth (1.9x) decodes at 1/8.
    [5066, 3808, 298, 224, { width: 562, height: 423 }],
    // No scale below 1 keeps 1.5 times the resized size: decoded at full size.
    [1600, 1200, 683, 512, undefined],
    [640, 480, 298, 224, undefined],
    [1300, 1000, 290, 224, undefined],
  ] as const)('%ix%i to %ix%i: %o', (width, height, planWidth, planHeight, expected) => {
    expect(preShrinkSize(width, height, { width: planWidth, height: planHeight })).toEqual(
      expected,
    );
  });
});

describe('preprocessImage on large JPEGs', () => {
  // The most detailed reference photo, as a camera would store it at 12 MP, 2 MP and VGA.
  const motorcycle = readFileSync(join(REFERENCE, 'images', 'motorcycle_left.png'));
  const photo = (width: number, height: number) =>
    sharp(motorcycle).resize(width, height, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();

  it.each([
    [4000, 3000, 224],
    [4000, 3000, 512],
    [1600, 1200, 224],
    [3000, 4000, 512],
  ] as const)(
    `pre-shrinks a %ix%i JPEG to %i px (to >= ${PRE_SHRINK_MIN}x), within the error budget of the exact path`,
    async (width, height, size) => {
      const bytes = await photo(width, height);
      const exact = await preprocessImage(bytes, configFor(size), { exact: true });
      const fast = await preprocessImage(bytes, configFor(size));
      expect([fast.sourceWidth, fast.sourceHeight]).toEqual([width, height]);
      const { mean, max } = difference(exact.data, fast.data);
      console.log(
        `${width}x${height} JPEG to ${size}, pre-shrunk vs exact: mean ${mean.toFixed(4)}, max ${max}`,
      );
      // Pre-shrunk (not the exact pixels), and within the budget.
      expect(mean).toBeGreaterThan(0);
      expect(mean).toBeLessThanOrEqual(0.5);
      expect(max).toBeLessThanOrEqual(10);
    },
  );

  it.each([
    [1600, 1200, 512],
    [640, 480, 224],
  ] as const)(
    'decodes a %ix%i JPEG at full size for %i px (below the pre-shrink factor)',
    async (width, height, size) => {
      const bytes = await photo(width, height);
      const exact = await preprocessImage(bytes, configFor(size), { exact: true });
      const fast = await preprocessImage(bytes, configFor(size));
      expect(Buffer.compare(Buffer.from(exact.data), Buffer.from(fast.data))).toBe(0);
    },
  );
});

describe('preprocessImage resize modes', () => {
  const red = [200, 10, 20] as const;
  const fill = 7;

  it('squash: a uniform image stays uniform at any aspect ratio', async () => {
    const image = await preprocessImage(
      await png(6, 2, repeat(red, 12)),
      configFor(4, { resizeMode: 'squash' }),
    );
    expect(Array.from(image.data)).toEqual(repeat(red, 16));
  });

  it('squash with nearest: each source pixel becomes a 2x2 block', async () => {
    const a = [255, 0, 0] as const;
    const b = [0, 255, 0] as const;
    const c = [0, 0, 255] as const;
    const d = [9, 9, 9] as const;
    const image = await preprocessImage(
      await png(2, 2, [...a, ...b, ...c, ...d]),
      configFor(4, { resizeMode: 'squash', interpolation: 'nearest' }),
    );
    const row = (left: readonly number[], right: readonly number[]) => [
      ...left,
      ...left,
      ...right,
      ...right,
    ];
    expect(Array.from(image.data)).toEqual([
      ...row(a, b),
      ...row(a, b),
      ...row(c, d),
      ...row(c, d),
    ]);
  });

  it('longest: an 8x4 image becomes 4x2, padded by one row above and one below', async () => {
    const image = await preprocessImage(
      await png(8, 4, repeat(red, 32)),
      configFor(4, { resizeMode: 'longest', fillColor: fill }),
    );
    const padding = Array.from({ length: 12 }, () => fill);
    expect(Array.from(image.data)).toEqual([...padding, ...repeat(red, 8), ...padding]);
  });

  it('longest: odd padding puts the extra row below (torchvision (size - h) // 2 above)', async () => {
    // 6x2 to 4: ratio 1.5, height round(1.333) = 1, so 3 rows of padding: 1 above, 2 below.
    const image = await preprocessImage(
      await png(6, 2, repeat(red, 12)),
      configFor(4, { resizeMode: 'longest', fillColor: fill }),
    );
    const padding = Array.from({ length: 12 }, () => fill);
    expect(Array.from(image.data)).toEqual([...padding, ...repeat(red, 4), ...padding, ...padding]);
  });

  it('shortest: the centre crop offset rounds halves to even, as Python round() does', async () => {
    // 4 wide, 9 high: no resize (the short side is already 4), crop offset round(2.5) = 2.
    const rows = Array.from({ length: 9 }, (_, row) => repeat([row * 20, 0, 0], 4)).flat();
    const image = await preprocessImage(await png(4, 9, rows), configFor(4));
    const croppedRows = Array.from({ length: 4 }, (_, row) => image.data[row * 12]);
    expect(croppedRows).toEqual([40, 60, 80, 100]);
    // 4 wide, 7 high: round(1.5) = 2 as well.
    const seven = Array.from({ length: 7 }, (_, row) => repeat([row * 20, 0, 0], 4)).flat();
    const image7 = await preprocessImage(await png(4, 7, seven), configFor(4));
    expect(Array.from({ length: 4 }, (_, row) => image7.data[row * 12])).toEqual([40, 60, 80, 100]);
  });

  it('shortest: the long side is int(size * long / short)', async () => {
    // 3x5 to 2: the resized image is 2x3 (int(3.33)), cropped at round(0.5) = 0, so the first
    // two rows of a vertical gradient survive: the bottom row is the one cut.
    const rows = Array.from({ length: 5 }, (_, row) => repeat([row * 60, 0, 0], 3)).flat();
    const image = await preprocessImage(
      await png(3, 5, rows),
      configFor(2, { interpolation: 'nearest' }),
    );
    // Nearest rows for 5 -> 3: floor((0.5 + i) * 5 / 3) = 0, 2, 4; the crop keeps the first two.
    expect(Array.from(image.data)).toEqual([...repeat([0, 0, 0], 2), ...repeat([120, 0, 0], 2)]);
  });
});
