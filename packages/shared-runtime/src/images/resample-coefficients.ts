/**
 * Pillow's fixed-point resampling coefficients (libImaging/Resample.c `precompute_coeffs` and
 * `normalize_coeffs_8bpc`), shared by the JavaScript and the WebAssembly passes.
 */

/** A resampling filter, named as torchvision's `InterpolationMode` names them. */
export type ResampleFilter = 'bicubic' | 'bilinear' | 'nearest';

/** Pillow's `PRECISION_BITS`: 32 - 8 bits of result - 2 bits of headroom. */
export const PRECISION_BITS = 22;
/** The rounding term every sum starts from. */
export const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;

/** Pillow's bicubic convolution kernel, a = -0.5 (libImaging/Resample.c `bicubic_filter`). */
function bicubic(value: number): number {
  const x = value < 0 ? -value : value;
  const a = -0.5;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Pillow's triangle kernel (`bilinear_filter`). */
function bilinear(value: number): number {
  const x = value < 0 ? -value : value;
  return x < 1 ? 1 - x : 0;
}

const FILTERS = {
  bicubic: { kernel: bicubic, support: 2 },
  bilinear: { kernel: bilinear, support: 1 },
} as const;

/**
 * Fixed-point coefficients of one resampling pass, for the outputs `first .. first + count - 1`
 * of a pass from `inSize` to `outSize` samples: for output `i`, `starts[i]` is the first input
 * sample, `counts[i]` the number of taps, and `weights[i * taps ..]` their weights.
 */
export interface PassCoefficients {
  readonly starts: Int32Array;
  readonly counts: Int32Array;
  readonly weights: Int32Array;
  readonly taps: number;
}

/** `precompute_coeffs` followed by `normalize_coeffs_8bpc`, operation for operation. */
export function precomputeCoefficients(
  inSize: number,
  outSize: number,
  filterName: Exclude<ResampleFilter, 'nearest'>,
  first: number,
  count: number,
): PassCoefficients {
  const filter = FILTERS[filterName];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const starts = new Int32Array(count);
  const counts = new Int32Array(count);
  const weights = new Int32Array(count * taps);
  const raw = new Float64Array(taps);
  const inverseScale = 1 / filterScale;
  for (let index = 0; index < count; index++) {
    const center = (first + index + 0.5) * scale;
    // C's (int) cast truncates towards zero.
    let min = Math.trunc(center - support + 0.5);
    if (min < 0) min = 0;
    let max = Math.trunc(center + support + 0.5);
    if (max > inSize) max = inSize;
    max -= min;
    let total = 0;
    for (let x = 0; x < max; x++) {
      const weight = filter.kernel((x + min - center + 0.5) * inverseScale);
      raw[x] = weight;
      total += weight;
    }
    for (let x = 0; x < max; x++) {
      const weight = total === 0 ? raw[x]! : raw[x]! / total;
      weights[index * taps + x] = Math.trunc(weight < 0 ? weight * ONE - 0.5 : weight * ONE + 0.5);
    }
    starts[index] = min;
    counts[index] = max;
  }
  return { starts, counts, weights, taps };
}
