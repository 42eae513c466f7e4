import { SignalWatch } from '../signal-watch.js';
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
  #waiting: Waiter[] = [];
  /** A call's images share its signal: one abort listener for all of them. */
  readonly #signals = new SignalWatch((signal) => {
    const aborted = this.#waiting.filter((waiter) => waiter.signal === signal);
    this.#waiting = this.#waiting.filter((waiter) => waiter.signal !== signal);
    for (const waiter of aborted) waiter.reject(signal.reason);
    this.#grant();
  });

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
    if (this.#waiting.length === 0 && weight <= this.#available) {
      return Promise.resolve(this.#take(weight));
    }
    return new Promise((resolve, reject) => {
      this.#waiting.push({ weight, signal, resolve, reject });
      this.#signals.watch(signal);
    });
  }

  #take(weight: number): () => void {
    this.#available -= weight;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#available += weight;
      this.#grant();
    };
  }

  /** Grants waiters in order while the first one fits. */
  #grant(): void {
    while (this.#waiting.length > 0 && this.#waiting[0]!.weight <= this.#available) {
      const waiter = this.#waiting.shift()!;
      this.#signals.unwatch(waiter.signal);
      waiter.resolve(this.#take(waiter.weight));
    }
  }
}

/** One acquire waiting for its weight. */
interface Waiter {
  weight: number;
  signal: AbortSignal | undefined;
  resolve: (release: () => void) => void;
  reject: (reason: unknown) => void;
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
