import { setMaxListeners } from 'node:events';
/** The inputs `[start, end)` of one request. */
export interface BatchRange {
  readonly start: number;
  readonly end: number;
}

/** How {@link runBatches} splits, prepares and sends one `embed` call. */
export interface RunBatchesOptions<Prepared, Result> {
  /** Number of inputs. */
  total: number;
  /** Inputs per batch. */
  batchSize: number;
  /** Batches sent at once by this call (the backend's limiter also bounds all calls together). */
  concurrency: number;
  /**
   * Turns a batch into what `send` needs (images loaded and encoded). Runs ahead of the requests
   * by up to `concurrency` batches, so preparation overlaps with requests in flight while the
   * memory held by prepared, unsent batches stays bounded.
   */
  prepare(range: BatchRange, signal: AbortSignal): Promise<Prepared>;
  /** Sends one prepared batch (retries included). */
  send(prepared: Prepared, range: BatchRange, signal: AbortSignal): Promise<Result>;
  /** Called after each batch succeeds, in completion order. */
  onBatchDone(result: Result, range: BatchRange): void;
  /** The caller's signal: an abort rejects at once with its reason. */
  signal?: AbortSignal | undefined;
}

function splitIntoBatches(total: number, batchSize: number): BatchRange[] {
  const ranges: BatchRange[] = [];
  for (let start = 0; start < total; start += batchSize) {
    ranges.push({ start, end: Math.min(start + batchSize, total) });
  }
  return ranges;
}

/**
 * Runs one call's batches: splits the inputs, prepares batches a little ahead, sends up to
 * `concurrency` at once, and reports each finished batch. The first failure (or the caller's
 * abort) rejects at once and cancels everything else still running for this call, so no request
 * outlives a failed call for long.
 */
export function runBatches<Prepared, Result>(
  options: RunBatchesOptions<Prepared, Result>,
): Promise<void> {
  const { signal: callerSignal } = options;
  const ranges = splitIntoBatches(options.total, options.batchSize);
  const workerCount = Math.min(options.concurrency, ranges.length);
  const controller = new AbortController();
  // Each worker's request (or retry wait) listens on this call's own signal, as do the
  // preparations running ahead: as many as the concurrency the caller asked for, legitimately,
  // so Node's leak warning past 10 (`MaxListenersExceededWarning`) would be noise.
  setMaxListeners(Math.max(10, 2 * workerCount + 10), controller.signal);
  const prepared = new Array<Promise<Prepared> | undefined>(ranges.length);
  let prepareNext = 0;
  let sendNext = 0;

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: { reason: unknown }) => {
      if (settled) return;
      settled = true;
      callerSignal?.removeEventListener('abort', onCallerAbort);
      if (error === undefined) {
        resolve();
      } else {
        // Cancels this call's requests, waits and preparations; their own rejections are moot.
        controller.abort(error.reason);
        reject(error.reason);
      }
    };
    const onCallerAbort = () => finish({ reason: callerSignal?.reason });
    if (callerSignal?.aborted) {
      finish({ reason: callerSignal.reason });
      return;
    }
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

    const prepareUpTo = (last: number) => {
      for (; prepareNext <= last && prepareNext < ranges.length; prepareNext++) {
        const range = ranges[prepareNext]!;
        const promise = options.prepare(range, controller.signal);
        // Awaited by the worker that sends it; this only keeps an early failure from being
        // reported as unhandled before then.
        promise.catch(() => {});
        prepared[prepareNext] = promise;
      }
    };

    const worker = async () => {
      while (!settled && sendNext < ranges.length) {
        const index = sendNext++;
        prepareUpTo(index + workerCount);
        const range = ranges[index]!;
        const batch = await prepared[index]!;
        prepared[index] = undefined;
        const result = await options.send(batch, range, controller.signal);
        if (settled) return;
        options.onBatchDone(result, range);
      }
    };

    const workers = Array.from({ length: workerCount }, () =>
      worker().catch((error: unknown) => finish({ reason: error })),
    );
    Promise.all(workers).then(() => finish());
  });
}
