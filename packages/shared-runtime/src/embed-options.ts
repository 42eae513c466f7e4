import type { EmbedOptions } from './embedding-backend.js';
import { InvalidInputError } from './errors/invalid-input-error.js';
import type { EmbeddingTask, ModelInfo } from './models/model-info.js';
import { optionNames } from './option-names.js';
import { rejectUnknownOptions } from './reject-unknown-options.js';

/** Every option of {@link EmbedOptions}; fails to compile while one is missing. */
export const EMBED_OPTION_NAMES = optionNames<EmbedOptions>()([
  'task',
  'dimensions',
  'signal',
  'onProgress',
  'headers',
  'onResponse',
  'onTruncation',
]);

/** {@link EmbedOptions} checked against a model: what both backends act on. */
export interface EmbedConfig {
  /** The task that changes something for this model (undefined for documents and for v1). */
  task: EmbeddingTask | undefined;
  /** The Matryoshka width to truncate to, undefined for the full width. */
  dimensions: number | undefined;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  // Duck-typed, not `instanceof`: a signal from another realm or polyfill works the same.
  const signal = value as Partial<AbortSignal> | null;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof signal?.aborted === 'boolean' &&
    typeof signal.addEventListener === 'function' &&
    typeof signal.removeEventListener === 'function' &&
    typeof signal.throwIfAborted === 'function'
  );
}

/**
 * Checks the shape of per-call options before a backend reads any of them: an object (or
 * undefined) of known options only (a typo such as `dimension` is not ignored), `signal` an
 * AbortSignal, `onProgress` a function. Both backends call it first, so
 * `embed(inputs, null)` or `{ signal: {} }` is an {@link InvalidInputError} naming the field,
 * never a raw `TypeError`. Returns the options' own properties (`{}` for undefined).
 */
export function checkEmbedOptions(options: unknown): EmbedOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidInputError(
      `The options of \`embed\` must be an object or undefined, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}.`,
      { field: 'options' },
    );
  }
  const own = rejectUnknownOptions(options as EmbedOptions, {
    owner: '`embed`',
    names: EMBED_OPTION_NAMES,
  });
  const { signal, onProgress, onResponse, onTruncation } = own;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new InvalidInputError('`signal` must be an AbortSignal.', { field: 'signal' });
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new InvalidInputError('`onProgress` must be a function.', { field: 'onProgress' });
  }
  if (onResponse !== undefined && typeof onResponse !== 'function') {
    throw new InvalidInputError('`onResponse` must be a function.', { field: 'onResponse' });
  }
  if (onTruncation !== undefined && typeof onTruncation !== 'function') {
    throw new InvalidInputError('`onTruncation` must be a function.', { field: 'onTruncation' });
  }
  return own;
}

/**
 * Validates per-call options for a model, the same way for both backends, before any work.
 * `width` is the embedding width actually available (the loaded graph's, for the local backend).
 */
export function resolveEmbedOptions(
  model: ModelInfo,
  options: EmbedOptions = {},
  width: number = model.dimensions,
): EmbedConfig {
  const { task, dimensions } = checkEmbedOptions(options);
  if (task !== undefined && task !== 'retrieval.query' && task !== 'retrieval.passage') {
    throw new InvalidInputError(
      `Unsupported task "${String(task)}": use 'retrieval.query' or 'retrieval.passage'.`,
      { field: 'task' },
    );
  }
  if (dimensions !== undefined) {
    if (model.matryoshkaDimensions.length === 0) {
      throw new InvalidInputError(
        `${model.id} does not support \`dimensions\` (no Matryoshka truncation); omit it.`,
        { field: 'dimensions' },
      );
    }
    const allowed = model.matryoshkaDimensions.filter((value) => value <= width);
    if (!allowed.includes(dimensions)) {
      throw new InvalidInputError(
        `\`dimensions\` must be one of ${allowed.join(', ')} for ${model.id} (its Matryoshka widths), got ${dimensions}.`,
        { field: 'dimensions' },
      );
    }
  }
  return {
    // A task reaches the model only where the model distinguishes it; documents get nothing.
    task: task === 'retrieval.query' && model.tasks.includes(task) ? task : undefined,
    dimensions: dimensions === undefined || dimensions === width ? undefined : dimensions,
  };
}
