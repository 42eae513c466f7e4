import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScriptInChild } from '../local/run-script-in-child.test-helper.js';
import { runPassesInJavaScript } from './javascript-resample-passes.js';
import { resampleRgb } from './pil-resample.js';
import type { RgbImage } from './resample-passes.js';
import {
  KEPT_MEMORY_BYTES,
  keptWebAssemblyMemoryBytes,
  webAssemblyAvailable,
} from './webassembly-instance.js';
import { runPassesInWebAssembly } from './webassembly-resample-passes.js';

/** A one-row image whose red channel is `reds` (green and blue 0). */
function redRow(reds: readonly number[]): RgbImage {
  return {
    data: Uint8Array.from(reds.flatMap((red) => [red, 0, 0])),
    width: reds.length,
    height: 1,
  };
}

function reds(image: RgbImage): number[] {
  return Array.from({ length: image.width * image.height }, (_, index) => image.data[index * 3]!);
}

/** A deterministic noisy RGB image. */
function noise(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let index = 0; index < data.length; index++) data[index] = (index * 2654435761) >>> 24;
  return { data, width, height };
}

describe('resampleRgb (Pillow Image.resize)', () => {
  it('bilinear 4 -> 2 widens the support by the downscale factor (antialiasing)', () => {
    // Output 0: centre 1, support 2, taps 0..2 with triangle weights 0.75, 0.75, 0.25 (/1.75):
    // (0 * 3 + 100 * 3 + 200) / 7 = 71.4 -> 71. Output 1: (100 + 200 * 3 + 50 * 3) / 7 = 121.4.
    expect(reds(resampleRgb(redRow([0, 100, 200, 50]), 2, 1, 'bilinear'))).toEqual([71, 121]);
  });

  it('bicubic 4 -> 2 uses a = -0.5 with normalised weights', () => {
    // Output 0: weights k(0.25) = 0.8671875, k(0.25), k(0.75) = 0.2265625, k(1.25) = -0.0703125,
    // sum 1.890625: (100 * 0.8671875 + 200 * 0.2265625 - 50 * 0.0703125) / 1.890625 = 67.97.
    expect(reds(resampleRgb(redRow([0, 100, 200, 50]), 2, 1, 'bicubic'))).toEqual([68, 127]);
  });

  it('bicubic upsampling clips overshoot to 0..255 (values from Pillow 9.4)', () => {
    expect(reds(resampleRgb(redRow([0, 100, 200, 50]), 8, 1, 'bicubic'))).toEqual([
      0, 17, 71, 131, 193, 174, 81, 37,
    ]);
  });

  it('nearest samples at pixel centres: 4 -> 3 takes columns 0, 2, 3', () => {
    // Source positions (0.5 + i) * 4 / 3 = 0.67, 2, 3.33.
    expect(reds(resampleRgb(redRow([0, 100, 200, 50]), 3, 1, 'nearest'))).toEqual([0, 200, 50]);
  });

  it('returns a copy of the window when the size does not change', () => {
    const source = noise(5, 4);
    const window = resampleRgb(source, 5, 4, 'bicubic', { left: 1, top: 2, width: 3, height: 2 });
    expect(Array.from(window.data)).toEqual([
      ...source.data.subarray((2 * 5 + 1) * 3, (2 * 5 + 4) * 3),
      ...source.data.subarray((3 * 5 + 1) * 3, (3 * 5 + 4) * 3),
    ]);
  });

  it.each([
    ['bicubic', 37, 23, 224, 150],
    ['bicubic', 301, 199, 97, 64],
    ['bilinear', 301, 199, 97, 64],
    ['nearest', 301, 199, 97, 64],
    ['bicubic', 300, 7, 120, 3],
    ['bicubic', 300, 200, 300, 131],
    ['bicubic', 300, 200, 97, 200],
  ] as const)(
    '%s %ix%i -> %ix%i: a window equals the same crop of the full resize',
    (filter, width, height, outWidth, outHeight) => {
      const source = noise(width, height);
      const full = resampleRgb(source, outWidth, outHeight, filter);
      expect(full.width).toBe(outWidth);
      expect(full.height).toBe(outHeight);
      for (const window of [
        { left: 0, top: 0, width: 1, height: 1 },
        { left: 3, top: 1, width: outWidth - 5, height: outHeight - 2 },
        { left: outWidth - 2, top: outHeight - 3, width: 2, height: 3 },
      ]) {
        const part = resampleRgb(source, outWidth, outHeight, filter, window);
        const expected: number[] = [];
        for (let y = window.top; y < window.top + window.height; y++) {
          const start = (y * outWidth + window.left) * 3;
          expected.push(...full.data.subarray(start, start + window.width * 3));
        }
        expect(Array.from(part.data)).toEqual(expected);
      }
    },
  );

  it('rejects a window outside the output', () => {
    expect(() =>
      resampleRgb(noise(4, 4), 2, 2, 'bicubic', { left: 1, top: 0, width: 2, height: 2 }),
    ).toThrow(RangeError);
  });
});

describe('resampleRgb in WebAssembly SIMD', () => {
  it('runs WebAssembly on this Node.js (SIMD is in every supported version)', () => {
    expect(webAssemblyAvailable()).toBe(true);
  });

  // Odd and even rows (the horizontal pass takes two at a time), widths that are and are not a
  // multiple of the vertical pass's 16 bytes, one-row and one-column images, upscales, each pass
  // alone, and sources wider than one 1 MiB strip (4000 px: 87 rows a strip).
  it.each([
    ['bicubic', 640, 480, 298, 224, { left: 37, top: 0, width: 224, height: 224 }],
    ['bicubic', 640, 480, 683, 512, { left: 85, top: 0, width: 512, height: 512 }],
    ['bilinear', 641, 479, 301, 225, undefined],
    ['bicubic', 4000, 301, 299, 224, { left: 37, top: 0, width: 224, height: 224 }],
    ['bicubic', 4000, 300, 4000, 97, { left: 1000, top: 3, width: 17, height: 90 }],
    ['bicubic', 300, 4000, 97, 4000, { left: 3, top: 1000, width: 90, height: 17 }],
    ['bicubic', 37, 23, 224, 150, undefined],
    ['bicubic', 1, 9, 5, 3, undefined],
    ['bilinear', 9, 1, 3, 5, undefined],
    ['bicubic', 5, 5, 1, 1, undefined],
  ] as const)(
    '%s %ix%i -> %ix%i (window %o): the same bytes as the JavaScript passes',
    (filter, width, height, outWidth, outHeight, window) => {
      const source = noise(width, height);
      const wasm = resampleRgb(source, outWidth, outHeight, filter, window, runPassesInWebAssembly);
      const javascript = resampleRgb(
        source,
        outWidth,
        outHeight,
        filter,
        window,
        runPassesInJavaScript,
      );
      expect(wasm.width).toBe(window?.width ?? outWidth);
      expect(wasm.height).toBe(window?.height ?? outHeight);
      expect(Buffer.from(wasm.data).equals(Buffer.from(javascript.data))).toBe(true);
    },
  );

  it('clips overshoot exactly as the JavaScript passes (values from Pillow 9.4)', () => {
    expect(reds(resampleRgb(redRow([0, 100, 200, 50]), 8, 1, 'bicubic'))).toEqual([
      0, 17, 71, 131, 193, 174, 81, 37,
    ]);
    // Saturated extremes: a sharp edge upscaled overshoots below 0 and above 255 on both passes.
    const edge = { data: new Uint8Array(8 * 8 * 3), width: 8, height: 8 };
    edge.data.fill(255, 4 * 8 * 3);
    for (let row = 0; row < 8; row++) edge.data.fill(255, row * 24 + 12, row * 24 + 24);
    const args = [edge, 29, 31, 'bicubic', undefined] as const;
    expect(Array.from(resampleRgb(...args, runPassesInWebAssembly).data)).toEqual(
      Array.from(resampleRgb(...args, runPassesInJavaScript).data),
    );
  });

  it('keeps at most 64 MiB of WebAssembly memory: a larger resize runs in memory of its own', () => {
    expect(KEPT_MEMORY_BYTES).toBe(64 * 1024 * 1024);
    resampleRgb(noise(8, 8), 4, 4, 'bicubic'); // this thread's instance exists
    // Only the height changes: the vertical pass reads all 6000 rows of 4000 px (72 MB).
    const source = { data: new Uint8Array(4000 * 6000 * 3).fill(200), width: 4000, height: 6000 };
    const tall = resampleRgb(source, 4000, 2, 'bilinear', { left: 0, top: 0, width: 4, height: 2 });
    expect(Array.from(tall.data)).toEqual(Array.from({ length: 24 }, () => 200));
    expect(keptWebAssemblyMemoryBytes()).toBeGreaterThan(0);
    expect(keptWebAssemblyMemoryBytes()).toBeLessThanOrEqual(KEPT_MEMORY_BYTES);
  });

  it('returns a buffer of its own, not a view of WebAssembly memory', () => {
    const first = resampleRgb(noise(64, 48), 16, 12, 'bicubic');
    const copy = Array.from(first.data);
    resampleRgb(noise(48, 64), 16, 12, 'bicubic');
    expect(first.data.byteOffset).toBe(0);
    expect(first.data.buffer.byteLength).toBe(16 * 12 * 3);
    expect(Array.from(first.data)).toEqual(copy);
  });

  it('falls back to the JavaScript passes and planes where WebAssembly is unavailable (node --jitless)', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'jina-clip-jitless-'));
    try {
      const run = await runScriptInChild(
        `const { webAssemblyAvailable } = await importSource('images/webassembly-instance.ts');
const { resampleRgb } = await importSource('images/pil-resample.ts');
const data = Uint8Array.from({ length: 4 * 1 * 3 }, (_, index) => (index % 3 === 0 ? [0, 100, 200, 50][index / 3] : 0));
const image = resampleRgb({ data, width: 4, height: 1 }, 8, 1, 'bicubic');
const { toPixelValues } = await importSource('images/to-pixel-values.ts');
const planes = toPixelValues([Uint8Array.from([0, 128, 255])], { size: 1, mean: [0, 0.5, 1], std: [1, 2, 0.5], rescaleFactor: 1 });
console.log(JSON.stringify({ wasm: webAssemblyAvailable(), reds: Array.from(image.data).filter((_, index) => index % 3 === 0), planes: Array.from(planes) }));`,
        { directory, timeoutMs: 60_000, nodeOptions: ['--jitless'] },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({
        wasm: false,
        reds: [0, 17, 71, 131, 193, 174, 81, 37],
        planes: [0, (128 - 0.5) / 2, (255 - 1) / 0.5],
      });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
