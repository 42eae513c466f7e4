/**
 * A semaphore weighted by pixels: decodes acquire their image's pixel count and wait while the
 * images already decoding hold the rest. Many small images decode at once; a few large ones
 * take turns, so a call of eight near-limit PNGs holds one or two full-size bitmaps in memory,
 * not eight. Written by hand: a weighted, abortable semaphore is a few lines, and no library
 * this package already depends on has one.
 */
export class PixelBudget {
  readonly capacity: number;
  #available: number;
  readonly #waiting: { weight: number; grant: () => void }[] = [];

  /** @param capacity pixels that may be decoding at once across every caller of this budget. */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.#available = capacity;
  }

  /** Pixels free right now. */
  get available(): number {
    return this.#available;
  }

  /**
   * Waits until `pixels` (at most the whole capacity) are free, takes them, and resolves to the
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
 * Pixels decoding at once in this process, shared by every backend: Pillow's decompression-bomb
 * limit (89.5 MP), so one maximal image (about 270 MB as RGB) or many small ones.
 */
export const DECODE_PIXEL_BUDGET = new PixelBudget(89_478_485);
