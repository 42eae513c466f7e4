import { uvThreadpoolSize } from './image-workers-option.js';

/**
 * A weighted semaphore: decodes acquire their image's decoded bytes (or one slot of a thread
 * pool) and wait while the images already decoding hold the rest. Many small images decode at
 * once; a few large ones take turns, so a call of eight near-limit PNGs holds one or two
 * full-size bitmaps in memory, not eight. A weight above the capacity waits for all of it.
 * Written by hand: a weighted, abortable semaphore is a few lines, and no library this package
 * already depends on has one.
 */
export class PixelBudget {
  readonly capacity: number;
  #available: number;
  readonly #waiting: { weight: number; grant: () => void }[] = [];

  /** @param capacity what may be held at once across every caller of this budget. */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.#available = capacity;
  }

  /** What is free right now. */
  get available(): number {
    return this.#available;
  }

  /**
   * Waits until `pixels` (bytes or slots; at most the whole capacity) are free, takes them, and resolves to the
   * function that gives them back (call it once). Waiters are served in order. Rejects with
   * `signal.reason` if the signal aborts while waiting.
   */
  acquire(pixels: number, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const weight = Math.min(Math.max(pixels, 0), this.capacity);
    const take = (): (() => void) => {
      this.#available -= weight;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.#available += weight;
        this.#grant();
      };
    };
    if (this.#waiting.length === 0 && weight <= this.#available) return Promise.resolve(take());
    return new Promise((resolve, reject) => {
      const entry = {
        weight,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(take());
        },
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(entry);
        if (index >= 0) this.#waiting.splice(index, 1);
        this.#grant();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(entry);
    });
  }

  /** Grants waiters in order while the first one fits. */
  #grant(): void {
    while (this.#waiting.length > 0 && this.#waiting[0]!.weight <= this.#available) {
      this.#waiting.shift()!.grant();
    }
  }
}

/**
 * Decoded bytes held at once in this process, shared by every backend (weighed from each
 * image's header by `decodedBytes`: pixels times the larger of its stored samples and 8-bit
 * RGB): an 8-bit RGBA image at Pillow's decompression-bomb limit (89.5 MP, 358 MB), or many
 * small ones. A larger image (16-bit, CMYK) waits for all of it and decodes alone.
 */
export const DECODE_BYTE_BUDGET = new PixelBudget(89_478_485 * 4);

/**
 * Native decodes (sharp calls) running at once in this process: one fewer than libuv's
 * threadpool, on which sharp runs each call from start to end, so that file reads, DNS lookups
 * and the rest of the process always find a thread ("Don't block the worker pool", Node.js
 * guide). Each image holds one slot from its header read to its last encode.
 */
export const NATIVE_DECODE_SLOTS = new PixelBudget(Math.max(1, uvThreadpoolSize() - 1));
