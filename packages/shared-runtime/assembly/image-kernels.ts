// The image kernels of the runtime, compiled by AssemblyScript to WebAssembly with SIMD when the
// package is built (scripts/build-webassembly.mjs); src/images/webassembly-instance.ts loads them
// and lays out their memory.
//
// `horizontal` and `vertical` are Pillow's two 8-bit resampling passes (libImaging/Resample.c
// `ImagingResampleHorizontal_8bpc` and `ImagingResampleVertical_8bpc`), bit for bit: every sum
// starts at 1 << 21, adds pixel * weight with 22-bit fixed-point weights in 32-bit integers
// (exact: the weights' magnitudes sum to about 2^22 and pixels are 8 bits), shifts right by 22
// and clips to 0..255 (two saturating narrows do Pillow's `clip8`). Only the order of the exact
// integer adds differs, which cannot change a result. src/images/javascript-resample-passes.ts
// is the same in JavaScript. `pixelPlanes` is the model's normalisation by table lookup
// (src/images/to-pixel-values.ts has the same loop in JavaScript).

const PRECISION_BITS: i32 = 22;
const HALF: i32 = 1 << (PRECISION_BITS - 1);

/** The first 3 (or 4) bytes at `at`, one 32-bit lane each. */
function pixelAt(at: usize): v128 {
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(at)));
}

/** Stores Pillow's `clip8` of the first 3 lanes of `sum` at `out` (3 bytes, no more). */
function storePixel(out: usize, sum: v128): void {
  const shifted = i32x4.shr_s(sum, PRECISION_BITS);
  const words = i16x8.narrow_i32x4_s(shifted, shifted);
  const bytes = i8x16.narrow_i16x8_u(words, words);
  v128.store16_lane(out, bytes, 0);
  v128.store8_lane(out, bytes, 2, 2);
}

/**
 * The horizontal pass over `rows` rows of interleaved RGB at `source` (`sourceStride` bytes a
 * row) to `outWidth` pixels a row at `target`. Output pixel x sums `counts[x]` input pixels from
 * `starts[x]` with the `i32` weights at `weights + x * taps * 4`. Each pixel is one 4-lane sum
 * (red, green, blue and a spare lane); rows go two at a time, sharing each weight. Reads one
 * byte past the last pixel read: callers leave 4 bytes of slack after the source.
 */
export function horizontal(
  source: usize,
  sourceStride: i32,
  rows: i32,
  target: usize,
  outWidth: i32,
  starts: usize,
  counts: usize,
  weights: usize,
  taps: i32,
): void {
  const half = i32x4.splat(HALF);
  const outStride = <usize>outWidth * 3;
  const below = <usize>sourceStride;
  let row = 0;
  for (; row + 1 < rows; row += 2) {
    const rowStart = source + <usize>row * below;
    let out = target + <usize>row * outStride;
    for (let x = 0; x < outWidth; x++) {
      let sum = half;
      let sum2 = half;
      let at = rowStart + <usize>load<i32>(starts + ((<usize>x) << 2)) * 3;
      let weight = weights + ((<usize>x * <usize>taps) << 2);
      const end = weight + ((<usize>load<i32>(counts + ((<usize>x) << 2))) << 2);
      for (; weight < end; weight += 4) {
        const factor = i32x4.splat(load<i32>(weight));
        sum = i32x4.add(sum, i32x4.mul(pixelAt(at), factor));
        sum2 = i32x4.add(sum2, i32x4.mul(pixelAt(at + below), factor));
        at += 3;
      }
      storePixel(out, sum);
      storePixel(out + outStride, sum2);
      out += 3;
    }
  }
  if (row < rows) {
    const rowStart = source + <usize>row * below;
    let out = target + <usize>row * outStride;
    for (let x = 0; x < outWidth; x++) {
      let sum = half;
      let at = rowStart + <usize>load<i32>(starts + ((<usize>x) << 2)) * 3;
      let weight = weights + ((<usize>x * <usize>taps) << 2);
      const end = weight + ((<usize>load<i32>(counts + ((<usize>x) << 2))) << 2);
      for (; weight < end; weight += 4) {
        sum = i32x4.add(sum, i32x4.mul(pixelAt(at), i32x4.splat(load<i32>(weight))));
        at += 3;
      }
      storePixel(out, sum);
      out += 3;
    }
  }
}

/**
 * The vertical pass: `outHeight` rows of `width` bytes at `target`, row y summing `counts[y]`
 * rows of `source` (`sourceStride` bytes a row) from row `starts[y] - rowOffset`, 16 bytes at a
 * time in four 4-lane sums. Reads and writes up to 15 bytes past a row's end (the extra output
 * lands on the next row, written after): callers leave 16 bytes of slack after both buffers.
 */
export function vertical(
  source: usize,
  sourceStride: i32,
  rowOffset: i32,
  width: i32,
  outHeight: i32,
  target: usize,
  starts: usize,
  counts: usize,
  weights: usize,
  taps: i32,
): void {
  const half = i32x4.splat(HALF);
  const stride = <usize>sourceStride;
  for (let y = 0; y < outHeight; y++) {
    const rowStart = source + <usize>(load<i32>(starts + ((<usize>y) << 2)) - rowOffset) * stride;
    const first = weights + ((<usize>y * <usize>taps) << 2);
    const end = first + ((<usize>load<i32>(counts + ((<usize>y) << 2))) << 2);
    const out = target + <usize>y * <usize>width;
    for (let x = 0; x < width; x += 16) {
      let sum = half;
      let sum2 = half;
      let sum3 = half;
      let sum4 = half;
      let at = rowStart + <usize>x;
      for (let weight = first; weight < end; weight += 4) {
        const factor = i32x4.splat(load<i32>(weight));
        const pixels = v128.load(at);
        const low = i16x8.extend_low_i8x16_u(pixels);
        const high = i16x8.extend_high_i8x16_u(pixels);
        sum = i32x4.add(sum, i32x4.mul(i32x4.extend_low_i16x8_u(low), factor));
        sum2 = i32x4.add(sum2, i32x4.mul(i32x4.extend_high_i16x8_u(low), factor));
        sum3 = i32x4.add(sum3, i32x4.mul(i32x4.extend_low_i16x8_u(high), factor));
        sum4 = i32x4.add(sum4, i32x4.mul(i32x4.extend_high_i16x8_u(high), factor));
        at += stride;
      }
      const words = i16x8.narrow_i32x4_s(
        i32x4.shr_s(sum, PRECISION_BITS),
        i32x4.shr_s(sum2, PRECISION_BITS),
      );
      const words2 = i16x8.narrow_i32x4_s(
        i32x4.shr_s(sum3, PRECISION_BITS),
        i32x4.shr_s(sum4, PRECISION_BITS),
      );
      v128.store(out + <usize>x, i8x16.narrow_i16x8_u(words, words2));
    }
  }
}

/**
 * One image's `pixel_values`: `pixels` interleaved RGB bytes at `rgb` to three planes of `f32`
 * at `planes` (red, then green, then blue), each sample looked up in its channel's 256-entry
 * table at `tables` (red, green, blue, one after the other).
 */
export function pixelPlanes(rgb: usize, pixels: i32, tables: usize, planes: usize): void {
  const count = <usize>pixels;
  const green = planes + (count << 2);
  const blue = green + (count << 2);
  const greenTable = tables + 1024;
  const blueTable = tables + 2048;
  for (let pixel: usize = 0; pixel < count; pixel++) {
    const at = rgb + pixel * 3;
    const offset = pixel << 2;
    store<f32>(planes + offset, load<f32>(tables + ((<usize>load<u8>(at)) << 2)));
    store<f32>(green + offset, load<f32>(greenTable + ((<usize>load<u8>(at + 1)) << 2)));
    store<f32>(blue + offset, load<f32>(blueTable + ((<usize>load<u8>(at + 2)) << 2)));
  }
}
