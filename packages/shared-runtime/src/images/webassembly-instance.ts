import { IMAGE_KERNELS_WASM } from './image-kernels-wasm.generated.js';

/** The exports of assembly/image-kernels.ts (pointers are byte offsets into the memory). */
export interface ImageKernels {
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
  pixelPlanes(rgb: number, pixels: number, tables: number, planes: number): void;
}

/** The kernels and the memory they work in. */
export interface KernelInstance {
  readonly memory: WebAssembly.Memory;
  readonly kernels: ImageKernels;
}

const PAGE_BYTES = 65_536;
/** Bytes after every region that a kernel may read or write past its end. */
const SLACK = 16;

/**
 * Largest WebAssembly memory a thread keeps between calls. A call that needs more (a resize of a
 * source over about 40 MP that only the vertical pass reads, say) runs in an instance of its own
 * whose memory is garbage once the call returns: WebAssembly memory never shrinks.
 * @default 64 MiB
 */
export const KEPT_MEMORY_BYTES = 64 * 1024 * 1024;

let compiled: WebAssembly.Module | null | undefined;
let kept: KernelInstance | undefined;

function instantiate(module: WebAssembly.Module): KernelInstance {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  return { memory, kernels: exports as unknown as ImageKernels };
}

/** The compiled kernels, or null when WebAssembly SIMD is unavailable (`node --jitless`). */
function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = new WebAssembly.Module(Buffer.from(IMAGE_KERNELS_WASM, 'base64'));
    instantiate(compiled);
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Whether the kernels run in WebAssembly here (false: their JavaScript twins run instead). */
export function webAssemblyAvailable(): boolean {
  return kernelModule() !== null;
}

/**
 * An instance with at least `bytes` of memory (grown as needed): this thread's own (one module
 * instance and memory per thread, so worker threads never share one), or, above
 * {@link KEPT_MEMORY_BYTES}, one for the caller alone.
 *
 * @throws {RangeError} when the memory cannot grow that far.
 */
export function kernelInstance(bytes: number): KernelInstance {
  const module = kernelModule();
  if (module === null) throw new Error('WebAssembly is unavailable here.');
  let instance: KernelInstance;
  if (bytes > KEPT_MEMORY_BYTES) instance = instantiate(module);
  else {
    kept ??= instantiate(module);
    instance = kept;
  }
  const missing = Math.ceil((bytes - instance.memory.buffer.byteLength) / PAGE_BYTES);
  if (missing > 0) {
    try {
      instance.memory.grow(missing);
    } catch (error) {
      throw new RangeError(`Cannot allocate ${bytes} bytes for an image kernel.`, {
        cause: error,
      });
    }
  }
  return instance;
}

/** Bytes of WebAssembly memory this thread keeps for the kernels (0 before the first call). */
export function keptWebAssemblyMemoryBytes(): number {
  return kept?.memory.buffer.byteLength ?? 0;
}

/** Hands out 16-byte-aligned regions of kernel memory, each followed by 16 bytes of slack. */
export class MemoryLayout {
  /** Bytes reserved so far: the memory a call needs. */
  end = 0;

  /** Reserves `bytes` (plus slack) and returns their offset. */
  take(bytes: number): number {
    const offset = this.end;
    this.end = Math.ceil((offset + bytes + SLACK) / SLACK) * SLACK;
    return offset;
  }
}
