import { createRequestLimiter } from './api/request-limiter.js';
import { checkEmbedOptions } from './embed-options.js';
import type { EmbeddingBackend, EmbedOptions } from './embedding-backend.js';
import { ApiError } from './errors/api-error.js';
import { BackendClosedError } from './errors/backend-closed-error.js';
import { InvalidInputError } from './errors/invalid-input-error.js';
import { JinaClipError } from './errors/jina-clip-error.js';
import type { EmbeddingInput } from './inputs/embedding-input.js';
import { validateInputs } from './inputs/validate-inputs.js';
import { ownOptions } from './own-options.js';

/** Options of {@link embedSettled}: those of `embed`, and how the list is split into calls. */
export interface EmbedSettledOptions extends EmbedOptions {
  /**
   * Inputs per `embed` call. Keep it at (or under) the api backend's `batchSize`, so one call is
   * one request and a failing call never discards a request that succeeded (and was billed).
   * @default 32 (the api backend's default `batchSize`)
   */
  chunkSize?: number;
  /** `embed` calls in flight at once (the backend's own limits apply as well). @default 2 */
  concurrency?: number;
}

/** The outcome of one input of {@link embedSettled}. */
export type EmbedSettledResult =
  | { status: 'fulfilled'; embedding: Float32Array }
  | { status: 'rejected'; error: JinaClipError };

/** What {@link embedSettled} resolves to. */
export interface EmbedSettledResults {
  /** One outcome per input, in input order. */
  results: EmbedSettledResult[];
  /** Tokens of the calls that succeeded, summed. */
  usage: { totalTokens: number };
}

const DEFAULT_CHUNK_SIZE = 32;
const DEFAULT_CONCURRENCY = 2;

function positiveInteger(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100_000) {
    throw new InvalidInputError(`\`${field}\` must be an integer from 1 to 100000.`, { field });
  }
  return value;
}

/** The error's `inputIndex` when it blames one input of the call. */
function blamedInput(error: unknown): number | undefined {
  if (!JinaClipError.isInstance(error)) return undefined;
  const index = (error as { inputIndex?: unknown }).inputIndex;
  return typeof index === 'number' && Number.isInteger(index) ? index : undefined;
}

/**
 * Whether a failed call may be caused by one of its inputs without saying which: a 400, 413 or
 * 422 answer (nothing was embedded, nothing billed). Then the call is split in two and each half
 * sent again, down to the single input at fault.
 */
function maySplit(error: unknown): boolean {
  return (
    ApiError.isInstance(error) &&
    !error.retryable &&
    (error.status === 400 || error.status === 413 || error.status === 422)
  );
}

/**
 * `error` as it concerns input `index` of the whole list, where the call knew it as `callIndex`:
 * the same class and fields (a copy of every own property, markers included), with `inputIndex`
 * and the message's leading `Input N` renumbered.
 */
function renumbered(error: JinaClipError, callIndex: number, index: number): JinaClipError {
  if (callIndex === index) return error;
  const copy = Object.create(
    Object.getPrototypeOf(error),
    Object.getOwnPropertyDescriptors(error),
  ) as JinaClipError;
  const renumber = (text: string) =>
    text.replace(new RegExp(`(^|\\n|: )Input ${callIndex}\\b`), `$1Input ${index}`);
  Object.defineProperty(copy, 'inputIndex', { value: index, enumerable: true });
  Object.defineProperty(copy, 'message', { value: renumber(error.message), writable: true });
  if (typeof error.stack === 'string') {
    Object.defineProperty(copy, 'stack', { value: renumber(error.stack), writable: true });
  }
  return copy;
}

function asLibraryError(error: unknown): JinaClipError {
  if (JinaClipError.isInstance(error)) return error;
  return new JinaClipError(`The backend failed: ${String(error)}`, { cause: error });
}

/**
 * Embeds a list and keeps every good vector: resolves with one outcome per input, in input order
 * (`fulfilled` with its embedding, or `rejected` with a typed error whose `inputIndex`, where it
 * has one, is the input's index in `inputs`), beside the all-or-nothing `embed`. Works with any
 * {@link EmbeddingBackend}.
 *
 * How one bad input costs only itself:
 * - every input is validated first, alone: an invalid one is rejected without being sent;
 * - the rest go to `backend.embed` in calls of `chunkSize` inputs, `concurrency` at once;
 * - a call failing with an error that names its input (an `ImageLoadError`, say) rejects that
 *   input and sends the others again without it; one failing with a 400/413/422 answer that
 *   names none is split in halves, down to the input at fault; any other failure (the key, the
 *   connection, rate limits past `rateLimitTimeout`) rejects the call's inputs with it;
 * - a call that succeeded is never sent again.
 *
 * Rejects as a whole only for the caller's abort (with its reason), a closed backend
 * ({@link BackendClosedError}), or bad arguments ({@link InvalidInputError}).
 */
export async function embedSettled(
  backend: EmbeddingBackend,
  inputs: readonly EmbeddingInput[],
  options?: EmbedSettledOptions,
): Promise<EmbedSettledResults> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    checkEmbedOptions(options); // throws, naming \`options\`, for anything but an object or undefined
  }
  // Own properties only, each read once (see ownOptions).
  const { chunkSize, concurrency, ...forwarded } = ownOptions(options, '`embedSettled`');
  const { onProgress, ...embedOptions } = checkEmbedOptions(forwarded);
  const size = positiveInteger(chunkSize, 'chunkSize', DEFAULT_CHUNK_SIZE);
  const limiter = createRequestLimiter(
    positiveInteger(concurrency, 'concurrency', DEFAULT_CONCURRENCY),
  );
  if (!Array.isArray(inputs)) validateInputs(inputs); // throws, naming what was given
  const { signal } = embedOptions;
  signal?.throwIfAborted();
  const total = inputs.length;
  const results = new Array<EmbedSettledResult>(total);
  let totalTokens = 0;
  let settled = 0;
  const settle = (index: number, result: EmbedSettledResult) => {
    results[index] = result;
    settled++;
    onProgress?.(settled, total);
  };

  const valid: number[] = [];
  for (const [index, input] of inputs.entries()) {
    try {
      validateInputs([input]);
      valid.push(index);
    } catch (error) {
      settle(index, { status: 'rejected', error: renumbered(asLibraryError(error), 0, index) });
    }
  }

  const run = async (indices: readonly number[]): Promise<void> => {
    const release = await limiter.acquire(signal);
    let failure: unknown;
    try {
      const answer = await backend.embed(
        indices.map((index) => inputs[index]!),
        embedOptions,
      );
      totalTokens += answer.usage.totalTokens;
      for (const [position, index] of indices.entries()) {
        settle(index, { status: 'fulfilled', embedding: answer.embeddings[position]! });
      }
      return;
    } catch (error) {
      failure = error;
    } finally {
      release();
    }
    if (signal?.aborted) throw signal.reason;
    if (BackendClosedError.isInstance(failure)) throw failure;
    const blamed = blamedInput(failure);
    if (blamed !== undefined && blamed >= 0 && blamed < indices.length) {
      const index = indices[blamed]!;
      const error = renumbered(failure as JinaClipError, blamed, index);
      settle(index, { status: 'rejected', error });
      const rest = indices.filter((_, position) => position !== blamed);
      if (rest.length > 0) await run(rest);
      return;
    }
    if (maySplit(failure) && indices.length > 1) {
      const half = Math.ceil(indices.length / 2);
      await Promise.all([run(indices.slice(0, half)), run(indices.slice(half))]);
      return;
    }
    const error = asLibraryError(failure);
    for (const index of indices) settle(index, { status: 'rejected', error });
  };

  const chunks: number[][] = [];
  for (let start = 0; start < valid.length; start += size) {
    chunks.push(valid.slice(start, start + size));
  }
  await Promise.all(chunks.map(run));
  return { results, usage: { totalTokens } };
}
