import { availableParallelism } from 'node:os';
import { InvalidInputError } from '../errors/invalid-input-error.js';

/**
 * The threads of libuv's threadpool in this process (`UV_THREADPOOL_SIZE`, read as libuv reads
 * it: 4 when unset or not a number, at least 1, at most 1024). sharp runs each decode on one of
 * them for its whole length, so it bounds how many images decode at once, whatever the number
 * of image workers; file reads wait behind them too.
 */
export function uvThreadpoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10);
  if (Number.isNaN(value)) return 4;
  return Math.min(1024, Math.max(1, value));
}

/**
 * The default `imageWorkers`: the logical cores the other work leaves free; none (inline) when it
 * leaves none, since a worker thread on a core that onnxruntime already fills costs throughput
 * (measured on 2 cores with `threads: 2`: inline embeds photos 8.6% (q8) and 3.5% (fp32) faster
 * than one worker; decoding inline still overlaps inference, which runs on its own threads).
 * `busyThreads` is what else runs: the local backend's onnxruntime `threads` (when unset,
 * onnxruntime uses one thread per physical core, taken as half the logical cores, SMT), the API
 * backend's main thread (1). At most `threadpool - 1`: more workers than libuv has threads for
 * sharp would only wait (one thread is left for file reads).
 */
export function defaultImageWorkers(
  busyThreads: number | undefined,
  cores: number = availableParallelism(),
  threadpool: number = uvThreadpoolSize(),
): number {
  const free = Math.max(0, cores - (busyThreads ?? Math.ceil(cores / 2)));
  return Math.min(free, Math.max(0, threadpool - 1));
}

let warnedThreadpool = false;

/**
 * Validates the `imageWorkers` option (a whole number, 0 for inline) and applies `fallback`.
 * Asking for as many workers as libuv has threads (or more) emits one process warning (code
 * `JINA_CLIP_UV_THREADPOOL`): sharp would decode only `threadpool` images at once.
 *
 * @throws {InvalidInputError} with `field: 'imageWorkers'` for anything else.
 */
export function resolveImageWorkers(
  value: unknown,
  fallback: number,
  threadpool: number = uvThreadpoolSize(),
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidInputError(
      `\`imageWorkers\` must be a whole number of threads (0 for inline), got ${String(value)}.`,
      { field: 'imageWorkers' },
    );
  }
  if (value >= threadpool && !warnedThreadpool) {
    warnedThreadpool = true;
    process.emitWarning(
      `imageWorkers is ${value}, but libuv's threadpool has ${threadpool} threads (UV_THREADPOOL_SIZE): sharp decodes at most ${threadpool} images at once, and file reads wait behind them. Start Node.js with UV_THREADPOOL_SIZE=${value + 1} or more.`,
      { code: 'JINA_CLIP_UV_THREADPOOL' },
    );
  }
  return value;
}
