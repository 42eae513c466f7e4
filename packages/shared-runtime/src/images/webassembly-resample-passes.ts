import { runPassesInJavaScript } from './javascript-resample-passes.js';
import { PIL_RESAMPLE_PASSES_WASM } from './pil-resample-passes-wasm.generated.js';
import type { PassCoefficients } from './resample-coefficients.js';
import type { RunResamplePasses } from './resample-passes.js';

interface PassExports {
  horizontal(
    source: number,
    sourceStride: number,
    rows: number,
    target: number,
    outWidth: number,
    starts: number,
    counts: number,
    weights: number,
    taps: number,
  ): void;
  vertical(
    source: number,
    sourceStride: number,
    rowOffset: number,
    width: number,
    outHeight: number,
    target: number,
    starts: number,
    counts: number,
    weights: number,
    taps: number,
  ): void;
}

interface PassInstance {
  readonly memory: WebAssembly.Memory;
  readonly exports: PassExports;
}

const PAGE_BYTES = 65_536;
/** Bytes after every buffer that the passes may read or write past its end. */
const SLACK = 16;
/**
 * Source bytes copied into WebAssembly memory at a time: the source is copied strip by strip,
 * so that memory (which never shrinks) grows by the result, not by the decoded bitmap.
 * @default 1 MiB
 */
const STRIP_BYTES = 1 << 20;

/**
 * Largest WebAssembly memory a thread keeps between calls. A resize that needs more (a source
 * over about 40 MP that only the vertical pass reads, say) runs in an instance of its own whose
 * memory is garbage once the call returns: WebAssembly memory never shrinks.
 * @default 64 MiB
 */
export const KEPT_MEMORY_BYTES = 64 * 1024 * 1024;

let compiled: WebAssembly.Module | null | undefined;
let instance: PassInstance | undefined;

function instantiate(module: WebAssembly.Module): PassInstance {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  return { memory, exports: exports as unknown as PassExports };
}

/** The compiled module, or null when WebAssembly SIMD is unavailable. */
function passModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = new WebAssembly.Module(Buffer.from(PIL_RESAMPLE_PASSES_WASM, 'base64'));
    instantiate(compiled);
  } catch {
    // No WebAssembly, or a runtime without SIMD (such as `node --jitless`).
    compiled = null;
  }
  return compiled;
}

/** The instance for a call needing `bytes` of memory: this thread's, or one for the call alone. */
function passInstance(module: WebAssembly.Module, bytes: number): PassInstance {
  if (bytes > KEPT_MEMORY_BYTES) return instantiate(module);
  instance ??= instantiate(module);
  return instance;
}

/** Bytes of WebAssembly memory this thread keeps for the passes (0 before the first call). */
export function keptWebAssemblyMemoryBytes(): number {
  return instance?.memory.buffer.byteLength ?? 0;
}

function align(bytes: number): number {
  return Math.ceil(bytes / SLACK) * SLACK;
}

/** Hands out 16-byte-aligned regions of the memory, growing it as needed. */
class Layout {
  end = 0;
  /** Reserves `bytes` (plus slack) and returns their offset. */
  take(bytes: number): number {
    const offset = this.end;
    this.end = align(offset + bytes + SLACK);
    return offset;
  }
}

function ensureCapacity(memory: WebAssembly.Memory, bytes: number): void {
  const missing = Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES);
  if (missing <= 0) return;
  try {
    memory.grow(missing);
  } catch (error) {
    throw new RangeError(`Cannot allocate ${bytes} bytes to resample the image.`, { cause: error });
  }
}

interface PlacedCoefficients {
  readonly starts: number;
  readonly counts: number;
  readonly weights: number;
}

function placeCoefficients(layout: Layout, coefficients: PassCoefficients): PlacedCoefficients {
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
 * Runs the passes in WebAssembly SIMD (assembly/pil-resample-passes.ts): the same integers as
 * {@link runPassesInJavaScript}, three to six times faster. Falls back to JavaScript where
 * WebAssembly SIMD is unavailable. One module instance and memory per thread (worker threads
 * each get their own); the memory keeps its largest size, which is about the largest
 * intermediate image (result width x source rows; with no horizontal pass, the source rows the
 * vertical pass reads) plus 1 MiB, up to {@link KEPT_MEMORY_BYTES}.
 */
export const runPassesInWebAssembly: RunResamplePasses = (source, passes) => {
  const module = passModule();
  if (module === null) return runPassesInJavaScript(source, passes);
  const { horizontal, vertical, width } = passes;
  const sourceStride = source.width * 3;
  const layout = new Layout();
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
  const { memory, exports } = passInstance(module, layout.end);
  ensureCapacity(memory, layout.end);
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
      exports.horizontal(
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
    }
  }
  let height = passes.rows;
  if (vertical !== undefined) {
    height = vertical.starts.length;
    exports.vertical(
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
};

/** Whether {@link runPassesInWebAssembly} runs WebAssembly here (false: it runs JavaScript). */
export function webAssemblyPassesAvailable(): boolean {
  return passModule() !== null;
}
