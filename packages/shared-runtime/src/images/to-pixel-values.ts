import type { ImagePreprocessConfig } from './image-preprocess-config.js';

/**
 * Packs preprocessed images (each `size * size * 3` RGB bytes, HWC, as `preprocessImage` returns
 * them) into the model's `pixel_values`: an NCHW float32 batch of
 * `(x * rescaleFactor - mean[c]) / std[c]`, computed in double precision and rounded once.
 * Every element of `output` is written (so a reused buffer needs no clearing).
 *
 * @throws {RangeError} when an image does not hold `size * size * 3` bytes, or `output` does not
 * hold `images.length * 3 * size * size` floats.
 */
export function toPixelValues(
  images: readonly Uint8Array[],
  config: Pick<ImagePreprocessConfig, 'size' | 'mean' | 'std' | 'rescaleFactor'>,
  output: Float32Array = new Float32Array(images.length * 3 * config.size * config.size),
): Float32Array {
  const plane = config.size * config.size;
  if (output.length !== images.length * 3 * plane) {
    throw new RangeError(
      `pixel_values of ${images.length} images hold ${images.length * 3 * plane} floats; the buffer given holds ${output.length}.`,
    );
  }
  // One table per channel: 256 possible inputs, so the arithmetic is done 768 times in all.
  const tables = [0, 1, 2].map((channel) => {
    const table = new Float32Array(256);
    const mean = config.mean[channel]!;
    const std = config.std[channel]!;
    for (let value = 0; value < 256; value++) {
      table[value] = (value * config.rescaleFactor - mean) / std;
    }
    return table;
  });
  const [red, green, blue] = tables as [Float32Array, Float32Array, Float32Array];
  for (const [index, image] of images.entries()) {
    if (image.length !== plane * 3) {
      throw new RangeError(
        `Image ${index} holds ${image.length} bytes; expected ${config.size}x${config.size}x3 = ${plane * 3}.`,
      );
    }
    writePlanes(image, output, index * 3 * plane, plane, red, green, blue);
  }
  return output;
}

/** One image's three planes, by table lookup, in a function of its own that V8 optimises alone. */
function writePlanes(
  image: Uint8Array,
  output: Float32Array,
  base: number,
  plane: number,
  red: Float32Array,
  green: Float32Array,
  blue: Float32Array,
): void {
  for (let pixel = 0, at = 0; pixel < plane; pixel++, at += 3) {
    output[base + pixel] = red[image[at]!]!;
    output[base + plane + pixel] = green[image[at + 1]!]!;
    output[base + 2 * plane + pixel] = blue[image[at + 2]!]!;
  }
}
