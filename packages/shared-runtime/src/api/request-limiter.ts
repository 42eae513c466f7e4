import { SignalWatch } from '../signal-watch.js';

/** How the request that held a slot went: it tunes the limiter's concurrency. */
export type SlotOutcome = 'success' | 'rate-limited' | 'other';

/**
 * Releases a slot taken from a {@link RequestLimiter}, saying how its request went (nothing: it
 * neither counts as a success nor as a rate limit); calling it again does nothing.
 */
export type ReleaseSlot = (outcome?: SlotOutcome) => void;

/**
 * Hands out slots first come first served, at most {@link RequestLimiter.limit} at a time: a limit
 * that adapts to the server (AIMD, as TCP does): a 429 halves it, never below 1; every `limit`
 * successes add 1, never above the `max` it was created with.
 */
export interface RequestLimiter {
  /**
   * Waits for a free slot. An abort of `signal` while waiting rejects with the signal's reason
   * and gives up the place in the queue; after {@link RequestLimiter.close}, rejects with the
   * close reason.
   */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot>;
  /** Rejects every waiter, and every later `acquire`, with `reason`. */
  close(reason: unknown): void;
  /** Slots currently taken. */
  readonly active: number;
  /** Slots that may be taken at once now (1..max). */
  readonly limit: number;
}

/**
 * An adaptive counting semaphore. The api backend holds one for its whole life, so its limit
 * bounds the requests in flight across every concurrent `embed` call, not per call, and what one
 * call learns from a 429 holds for the others.
 */
export function createRequestLimiter(max: number): RequestLimiter {
  let active = 0;
  let limit = max;
  // Bumped at every decrease: a 429 of a request sent before the last decrease was already
  // answered for, so a burst of 429s from one overload halves the limit once, not per request.
  let generation = 0;
  let successes = 0;
  let closed: { reason: unknown } | undefined;
  let waiting: Array<{
    signal: AbortSignal | undefined;
    grant(): void;
    cancel(reason: unknown): void;
  }> = [];
  // A call's batches wait with its one signal: one abort listener for all of them.
  const signals = new SignalWatch((signal) => {
    const aborted = waiting.filter((waiter) => waiter.signal === signal);
    waiting = waiting.filter((waiter) => waiter.signal !== signal);
    for (const waiter of aborted) waiter.cancel(signal.reason);
  });

  const grantWaiting = () => {
    while (active < limit && waiting.length > 0) {
      active++;
      waiting.shift()!.grant();
    }
  };

  const slot = (): ReleaseSlot => {
    const slotGeneration = generation;
    let released = false;
    return (outcome) => {
      if (released) return;
      released = true;
      active--;
      if (outcome === 'rate-limited' && slotGeneration === generation) {
        limit = Math.max(1, Math.floor(limit / 2));
        generation++;
        successes = 0;
      } else if (outcome === 'success' && limit < max && ++successes >= limit) {
        limit++;
        successes = 0;
      }
      grantWaiting();
    };
  };

  return {
    get active() {
      return active;
    },
    get limit() {
      return limit;
    },
    close(reason) {
      closed ??= { reason };
      for (const waiter of waiting.splice(0)) waiter.cancel(reason);
    },
    acquire(signal) {
      if (closed !== undefined) return Promise.reject(closed.reason);
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < limit && waiting.length === 0) {
        active++;
        return Promise.resolve(slot());
      }
      return new Promise((resolve, reject) => {
        waiting.push({
          signal,
          grant() {
            signals.unwatch(signal);
            resolve(slot());
          },
          cancel(reason: unknown) {
            signals.unwatch(signal);
            reject(reason);
          },
        });
        signals.watch(signal);
      });
    },
  };
}
