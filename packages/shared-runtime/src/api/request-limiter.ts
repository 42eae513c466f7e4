/** Releases a slot taken from a {@link RequestLimiter}; calling it again does nothing. */
export type ReleaseSlot = () => void;

/** Hands out at most `max` slots at a time, first come first served. */
export interface RequestLimiter {
  /**
   * Waits for a free slot. An abort of `signal` while waiting rejects with the signal's reason
   * and gives up the place in the queue.
   */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot>;
  /** Slots currently taken. */
  readonly active: number;
}

/**
 * A counting semaphore. The api backend holds one for its whole life, so `maxConcurrency` bounds
 * the requests in flight across every concurrent `embed` call, not per call.
 */
export function createRequestLimiter(max: number): RequestLimiter {
  let active = 0;
  const waiting: Array<() => void> = [];

  const release = (): ReleaseSlot => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiting.shift();
      if (next === undefined) active--;
      else next();
    };
  };

  return {
    get active() {
      return active;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < max) {
        active++;
        return Promise.resolve(release());
      }
      return new Promise((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release());
        };
        const onAbort = () => {
          const index = waiting.indexOf(grant);
          if (index >= 0) waiting.splice(index, 1);
          reject(signal?.reason);
        };
        waiting.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
