/**
 * Waits `ms` milliseconds; an abort of `signal` rejects at once with the signal's own reason.
 * Hand-written because `timers/promises` rejects with an `AbortError` wrapping the reason, and a
 * caller's abort must surface unwrapped.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
