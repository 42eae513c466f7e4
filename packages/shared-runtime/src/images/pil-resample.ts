/**
 * A port of Pillow's `Image.resize` for 8-bit RGB images (libImaging `ImagingResample` for
 * bicubic and bilinear, `ImagingScaleAffine` for nearest), so that the local backend feeds the
 * model exactly the pixels the model's Python processor (PIL + torchvision) feeds it.
 *
 * Why hand-written instead of sharp: libvips resamples differently from PIL in every detail
 * that moves pixels by several levels: its kernels are centred and normalised differently, it
 * does not widen the bicubic support by the downscale factor the way PIL antialiases, it works
 * in floating point where PIL uses 22-bit fixed-point coefficients with rounding and clipping
 * to uint8 between the horizontal and the vertical pass, and it premultiplies alpha. Measured on
 * the reference images, a sharp resize is off by up to 14 levels; this port matches PIL to the
 * level (see preprocess-image.test.ts).
 *
 * Images are interleaved RGB (`width * height * 3` bytes, row-major, HWC). The two passes run in
 * WebAssembly SIMD (webassembly-resample-passes.ts), with the same code in JavaScript as the
 * fallback and the reference (javascript-resample-passes.ts).
 */

import { precomputeCoefficients, type ResampleFilter } from './resample-coefficients.js';
import type { ResamplePasses, RgbImage, RunResamplePasses } from './resample-passes.js';
import {
  runPassesInWebAssembly,
  runPassesInWebAssemblyYielding,
} from './webassembly-resample-passes.js';

/** A window of the resized image to compute: the rest is never computed (a centre crop). */
export interface ResampleWindow {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

function copyWindow(source: RgbImage, window: ResampleWindow): RgbImage {
  const data = new Uint8Array(window.width * window.height * 3);
  const rowBytes = window.width * 3;
  for (let y = 0; y < window.height; y++) {
    const from = ((window.top + y) * source.width + window.left) * 3;
    data.set(source.data.subarray(from, from + rowBytes), y * rowBytes);
  }
  return { data, width: window.width, height: window.height };
}

/**
 * Pillow's nearest-neighbour resize (`ImagingScaleAffine`): the source position of each output
 * pixel is accumulated in floating point from the pixel centre, as Pillow does.
 */
function resampleNearest(
  source: RgbImage,
  outWidth: number,
  outHeight: number,
  window: ResampleWindow,
): RgbImage {
  const xStep = source.width / outWidth;
  const yStep = source.height / outHeight;
  const columns = new Int32Array(outWidth);
  let xPosition = xStep * 0.5;
  for (let x = 0; x < outWidth; x++) {
    columns[x] = xPosition < 0 ? -1 : Math.trunc(xPosition);
    xPosition += xStep;
  }
  const data = new Uint8Array(window.width * window.height * 3);
  let yPosition = yStep * 0.5;
  let out = 0;
  for (let y = 0; y < outHeight; y++) {
    const sourceRow = yPosition < 0 ? -1 : Math.trunc(yPosition);
    yPosition += yStep;
    if (y < window.top || y >= window.top + window.height) continue;
    const rowStart = sourceRow * source.width * 3;
    for (let x = window.left; x < window.left + window.width; x++) {
      const at = rowStart + columns[x]! * 3;
      data[out++] = source.data[at]!;
      data[out++] = source.data[at + 1]!;
      data[out++] = source.data[at + 2]!;
    }
  }
  return { data, width: window.width, height: window.height };
}

/**
 * What a resize takes: a result computed at once (a copy, or nearest neighbour, which reads only
 * the output's pixels), or the two convolution passes to run.
 */
type ResizeWork = { readonly result: RgbImage } | { readonly passes: ResamplePasses };

function planResample(
  source: RgbImage,
  outWidth: number,
  outHeight: number,
  filter: ResampleFilter,
  window: ResampleWindow,
): ResizeWork {
  if (
    window.left < 0 ||
    window.top < 0 ||
    window.width <= 0 ||
    window.height <= 0 ||
    window.left + window.width > outWidth ||
    window.top + window.height > outHeight
  ) {
    throw new RangeError(
      `Window ${window.left},${window.top} ${window.width}x${window.height} is outside the ${outWidth}x${outHeight} image.`,
    );
  }
  if (outWidth === source.width && outHeight === source.height) {
    return { result: copyWindow(source, window) };
  }
  if (filter === 'nearest') {
    return { result: resampleNearest(source, outWidth, outHeight, window) };
  }
  const vertical =
    outHeight === source.height
      ? undefined
      : precomputeCoefficients(source.height, outHeight, filter, window.top, window.height);
  const horizontal =
    outWidth === source.width
      ? undefined
      : precomputeCoefficients(source.width, outWidth, filter, window.left, window.width);
  // Rows of the source the vertical pass reads: the horizontal pass computes only these.
  const firstRow = vertical === undefined ? window.top : vertical.starts[0]!;
  const endRow =
    vertical === undefined
      ? window.top + window.height
      : vertical.starts[window.height - 1]! + vertical.counts[window.height - 1]!;
  return {
    passes: {
      horizontal,
      vertical,
      firstRow,
      rows: endRow - firstRow,
      firstColumn: window.left,
      width: window.width,
    },
  };
}

/**
 * Resizes `source` to `outWidth` x `outHeight` exactly as Pillow's `Image.resize` does for an RGB
 * image, and returns the `window` of the result (default: all of it). Pixels outside the window
 * are never computed, so a resize followed by a centre crop costs only the crop.
 */
export function resampleRgb(
  source: RgbImage,
  outWidth: number,
  outHeight: number,
  filter: ResampleFilter,
  window: ResampleWindow = { left: 0, top: 0, width: outWidth, height: outHeight },
  run: RunResamplePasses = runPassesInWebAssembly,
): RgbImage {
  const work = planResample(source, outWidth, outHeight, filter, window);
  return 'result' in work ? work.result : run(source, work.passes);
}

/**
 * {@link resampleRgb} (the same pixels) that lets the event loop run every few milliseconds
 * while it resamples a large image, for the main thread (see `runPassesInWebAssemblyYielding`).
 */
export async function resampleRgbYielding(
  source: RgbImage,
  outWidth: number,
  outHeight: number,
  filter: ResampleFilter,
  window: ResampleWindow = { left: 0, top: 0, width: outWidth, height: outHeight },
): Promise<RgbImage> {
  const work = planResample(source, outWidth, outHeight, filter, window);
  return 'result' in work ? work.result : runPassesInWebAssemblyYielding(source, work.passes);
}
