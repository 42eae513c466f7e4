import { availableParallelism } from 'node:os';
import { InvalidInputError } from '../errors/invalid-input-error.js';

/**
 * The default `imageWorkers`: the logical cores the other work leaves free; none (inline) when it
 * leaves none, since a worker thread on a core that onnxruntime already fills costs throughput
 * (measured on 2 cores with `threads: 2`: inline embeds photos 8.6% (q8) and 3.5% (fp32) faster
 * than one worker; decoding inline still overlaps inference, which runs on its own threads).
 * `busyThreads` is what else runs: the local backend's onnxruntime `threads` (when unset,
 * onnxruntime uses one thread per physical core, taken as half the logical cores, SMT), the API
 * backend's main thread (1).
 */
export function defaultImageWorkers(
  busyThreads: number | undefined,
  cores: number = availableParallelism(),
): number {
  return Math.max(0, cores - (busyThreads ?? Math.ceil(cores / 2)));
}

/**
 * Validates the `imageWorkers` option (a whole number, 0 for inline) and applies `fallback`.
 *
 * @throws {InvalidInputError} with `field: 'imageWorkers'` for anything else.
 */
export function resolveImageWorkers(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidInputError(
      `\`imageWorkers\` must be a whole number of threads (0 for inline), got ${String(value)}.`,
      { field: 'imageWorkers' },
    );
  }
  return value;
}
