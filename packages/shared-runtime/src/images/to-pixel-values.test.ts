import { describe, expect, it } from 'vitest';
import {
  toPixelValues,
  writePixelPlanesInJavaScript,
  writePixelPlanesInWebAssembly,
} from './to-pixel-values.js';

const config = {
  size: 2,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
  rescaleFactor: 1 / 255,
} as const;

function expected(value: number, channel: 0 | 1 | 2): number {
  return Math.fround((value * config.rescaleFactor - config.mean[channel]) / config.std[channel]);
}

describe('toPixelValues', () => {
  it('computes (x * rescaleFactor - mean) / std per channel, NCHW, for a batch', () => {
    // Two 2x2 images, HWC: pixel p of image i holds (10p + i, 100 + p, 255 - p).
    const images = [0, 1].map((image) =>
      Uint8Array.from(
        [0, 1, 2, 3].flatMap((pixel) => [10 * pixel + image, 100 + pixel, 255 - pixel]),
      ),
    );
    const values = toPixelValues(images, config);
    expect(values).toBeInstanceOf(Float32Array);
    expect(values.length).toBe(2 * 3 * 4);
    const want: number[] = [];
    for (const image of [0, 1]) {
      for (const pixel of [0, 1, 2, 3]) want.push(expected(10 * pixel + image, 0));
      for (const pixel of [0, 1, 2, 3]) want.push(expected(100 + pixel, 1));
      for (const pixel of [0, 1, 2, 3]) want.push(expected(255 - pixel, 2));
    }
    expect(Array.from(values)).toEqual(want);
    // Spot values: black and white in the red channel.
    expect(values[0]).toBe(Math.fround(-0.48145466 / 0.26862954));
    expect(values[8 + 3]).toBe(Math.fround((252 / 255 - 0.40821073) / 0.27577711));
  });

  it('honours rescaleFactor, mean and std as given', () => {
    const values = toPixelValues([Uint8Array.from([0, 128, 255])], {
      size: 1,
      mean: [0, 0.5, 1],
      std: [1, 2, 0.5],
      rescaleFactor: 1,
    });
    expect(Array.from(values)).toEqual([0, (128 - 0.5) / 2, (255 - 1) / 0.5]);
  });

  it('returns an empty batch for no images', () => {
    expect(toPixelValues([], config)).toEqual(new Float32Array(0));
  });

  it('overwrites every float of a reused buffer, and refuses one of the wrong length', () => {
    const images = [Uint8Array.from({ length: 12 }, (_, index) => index * 20)];
    const reused = new Float32Array(12).fill(Number.NaN);
    expect(toPixelValues(images, config, reused)).toBe(reused);
    expect(Array.from(reused)).toEqual(Array.from(toPixelValues(images, config)));
    expect(() => toPixelValues(images, config, new Float32Array(13))).toThrow(
      new RangeError('pixel_values of 1 images hold 12 floats; the buffer given holds 13.'),
    );
  });

  it('writes the same bits in WebAssembly as in JavaScript', () => {
    const clip = { ...config, size: 61 };
    const images = [1, 2, 3].map((seed) =>
      Uint8Array.from(
        { length: 61 * 61 * 3 },
        (_, index) => (index * 2654435761 + seed * 97) >>> 24,
      ),
    );
    const bits = (write: typeof writePixelPlanesInJavaScript) =>
      new Uint32Array(toPixelValues(images, clip, undefined, write).buffer);
    const wasm = bits(writePixelPlanesInWebAssembly);
    expect(wasm.length).toBe(3 * 3 * 61 * 61);
    expect(
      Buffer.from(wasm.buffer).equals(Buffer.from(bits(writePixelPlanesInJavaScript).buffer)),
    ).toBe(true);
  });

  it('rejects an image of the wrong size', () => {
    expect(() => toPixelValues([new Uint8Array(11)], config)).toThrow(
      new RangeError('Image 0 holds 11 bytes; expected 2x2x3 = 12.'),
    );
  });
});
