/**
 * One abort listener per signal for any number of waiters on it. A call's many images (or
 * batches) wait with the call's one signal; a listener each makes Node warn of a listener leak
 * (`MaxListenersExceededWarning`) past 10 of them, on any call larger than the decode slots.
 * EventTarget would drop a second registration of the same function, but not count it: this
 * counts, so the listener goes when the last waiter on its signal does.
 */
export class SignalWatch {
  readonly #counts = new Map<AbortSignal, number>();
  readonly #onAbort: (signal: AbortSignal) => void;
  readonly #listener = (event: Event): void => {
    const signal = event.target as AbortSignal;
    this.#counts.delete(signal);
    this.#onAbort(signal);
  };

  /** @param onAbort called once when a watched signal aborts, with that signal. */
  constructor(onAbort: (signal: AbortSignal) => void) {
    this.#onAbort = onAbort;
  }

  /** One more waiter on `signal` (nothing without one). */
  watch(signal: AbortSignal | undefined): void {
    if (signal === undefined) return;
    const count = this.#counts.get(signal) ?? 0;
    if (count === 0) signal.addEventListener('abort', this.#listener, { once: true });
    this.#counts.set(signal, count + 1);
  }

  /** One waiter on `signal` fewer: the last one takes the listener away. */
  unwatch(signal: AbortSignal | undefined): void {
    const count = signal === undefined ? undefined : this.#counts.get(signal);
    if (signal === undefined || count === undefined) return;
    if (count > 1) this.#counts.set(signal, count - 1);
    else {
      this.#counts.delete(signal);
      signal.removeEventListener('abort', this.#listener);
    }
  }
}
