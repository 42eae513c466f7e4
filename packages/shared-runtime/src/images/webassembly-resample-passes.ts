import { runPassesInJavaScript } from './javascript-resample-passes.js';
import type { PassCoefficients } from './resample-coefficients.js';
import type { ResamplePasses, RgbImage, RunResamplePasses } from './resample-passes.js';
import {
  KEPT_MEMORY_BYTES,
  kernelInstance,
  MemoryLayout,
  webAssemblyAvailable,
} from './webassembly-instance.js';

/**
 * Source bytes copied into WebAssembly memory at a time: the source is copied strip by strip,
 * so that memory grows by the result, not by the decoded bitmap.
 * @default 1 MiB
 */
const STRIP_BYTES = 1 << 20;

interface PlacedCoefficients {
  readonly starts: number;
  readonly counts: number;
  readonly weights: number;
}

function placeCoefficients(
  layout: MemoryLayout,
  coefficients: PassCoefficients,
): PlacedCoefficients {
  return {
    starts: layout.take(coefficients.starts.byteLength),
    counts: layout.take(coefficients.counts.byteLength),
    weights: layout.take(coefficients.weights.byteLength),
  };
}

function writeCoefficients(
  memory: WebAssembly.Memory,
  placed: PlacedCoefficients,
  coefficients: PassCoefficients,
): void {
  new Int32Array(memory.buffer, placed.starts, coefficients.starts.length).set(coefficients.starts);
  new Int32Array(memory.buffer, placed.counts, coefficients.counts.length).set(coefficients.counts);
  new Int32Array(memory.buffer, placed.weights, coefficients.weights.length).set(
    coefficients.weights,
  );
}

/**
 * Runs the passes in WebAssembly SIMD (assembly/image-kernels.ts): the same integers as
 * {@link runPassesInJavaScript}, three to six times faster. Falls back to JavaScript where
 * WebAssembly SIMD is unavailable. One module instance and memory per thread (worker threads
 * each get their own); the memory keeps its largest size, which is about the largest
 * intermediate image (result width x source rows; with no horizontal pass, the source rows the
 * vertical pass reads) plus 1 MiB, up to {@link KEPT_MEMORY_BYTES}.
 */
export const runPassesInWebAssembly: RunResamplePasses = (source, passes) => {
  if (!webAssemblyAvailable()) return runPassesInJavaScript(source, passes);
  const steps = webAssemblyPassSteps(source, passes);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
};

/**
 * The passes of {@link runPassesInWebAssembly} as steps: the generator yields after each strip
 * of the horizontal pass (1 MiB of source, a few milliseconds) and returns the result. Only one
 * run may be between two steps at a time per thread (they share the thread's kernel memory):
 * {@link runPassesInWebAssemblyYielding} queues them.
 */
function* webAssemblyPassSteps(
  source: RgbImage,
  passes: ResamplePasses,
): Generator<undefined, RgbImage, undefined> {
  const { horizontal, vertical, width } = passes;
  const sourceStride = source.width * 3;
  const layout = new MemoryLayout();
  const placedHorizontal =
    horizontal === undefined ? undefined : placeCoefficients(layout, horizontal);
  const placedVertical = vertical === undefined ? undefined : placeCoefficients(layout, vertical);
  // Rows the vertical pass reads: the horizontal result, or the source rows themselves.
  const intermediateStride = horizontal === undefined ? sourceStride : width * 3;
  const intermediate = layout.take(intermediateStride * passes.rows);
  const stripRows =
    horizontal === undefined ? 0 : Math.max(2, Math.floor(STRIP_BYTES / sourceStride));
  const strip = layout.take(stripRows * sourceStride);
  const output =
    vertical === undefined ? intermediate : layout.take(width * 3 * vertical.starts.length);
  const { memory, kernels } = kernelInstance(layout.end);
  const heap = new Uint8Array(memory.buffer);
  if (placedHorizontal !== undefined) writeCoefficients(memory, placedHorizontal, horizontal!);
  if (placedVertical !== undefined) writeCoefficients(memory, placedVertical, vertical!);

  if (horizontal === undefined) {
    const from = passes.firstRow * sourceStride;
    heap.set(source.data.subarray(from, from + passes.rows * sourceStride), intermediate);
  } else {
    for (let row = 0; row < passes.rows; row += stripRows) {
      const rows = Math.min(stripRows, passes.rows - row);
      const from = (passes.firstRow + row) * sourceStride;
      heap.set(source.data.subarray(from, from + rows * sourceStride), strip);
      kernels.horizontal(
        strip,
        sourceStride,
        rows,
        intermediate + row * width * 3,
        width,
        placedHorizontal!.starts,
        placedHorizontal!.counts,
        placedHorizontal!.weights,
        horizontal.taps,
      );
      yield;
    }
  }
  let height = passes.rows;
  if (vertical !== undefined) {
    height = vertical.starts.length;
    kernels.vertical(
      intermediate + (horizontal === undefined ? passes.firstColumn * 3 : 0),
      intermediateStride,
      passes.firstRow,
      width * 3,
      height,
      output,
      placedVertical!.starts,
      placedVertical!.counts,
      placedVertical!.weights,
      vertical.taps,
    );
  }
  return { data: heap.slice(output, output + width * 3 * height), width, height };
}

/**
 * Milliseconds of resampling after which {@link runPassesInWebAssemblyYielding} lets the event
 * loop run: an 89 MP image takes about a second of horizontal pass, in strips of a few ms.
 */
const YIELD_AFTER_MS = 20;

/** The end of the last run queued on this thread's kernel memory. */
let kernelQueue: Promise<unknown> = Promise.resolve();

/**
 * {@link runPassesInWebAssembly}, yielding to the event loop every {@link YIELD_AFTER_MS} ms of
 * work between strips, so that a huge image resampled on the main thread (`imageWorkers: 0`)
 * does not stall it: the same integers, in the same order. Runs on this thread queue behind one
 * another (they share its kernel memory). Where WebAssembly is unavailable, the JavaScript
 * passes run at once, without yielding.
 */
export function runPassesInWebAssemblyYielding(
  source: RgbImage,
  passes: ResamplePasses,
): Promise<RgbImage> {
  if (!webAssemblyAvailable()) return Promise.resolve(runPassesInJavaScript(source, passes));
  const run = kernelQueue.then(async () => {
    const steps = webAssemblyPassSteps(source, passes);
    let since = performance.now();
    for (;;) {
      const step = steps.next();
      if (step.done === true) return step.value;
      if (performance.now() - since > YIELD_AFTER_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        since = performance.now();
      }
    }
  });
  kernelQueue = run.catch(() => undefined);
  return run;
}
