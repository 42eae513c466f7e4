import type { EmbeddingBackend, EmbedOptions } from '../embedding-backend.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import type { EmbeddingInput } from '../inputs/embedding-input.js';
import type { ModelInfo } from '../models/model-info.js';
import { DEFAULT_MODEL, MODELS } from '../models/models.js';

/** One call of a {@link RecordingBackend}'s `embed`, as it was made. */
export interface RecordedEmbedCall {
  /** The inputs array, as passed (not a copy). */
  readonly inputs: readonly EmbeddingInput[];
  /** The options, as passed; undefined when none were. */
  readonly options: EmbedOptions | undefined;
}

/** Options of {@link createRecordingBackend}. */
export interface RecordingBackendOptions {
  /** The model the backend reports as its `model`. @default MODELS['jina-clip-v1'] */
  model?: ModelInfo;
  /**
   * The vector answered for one input: given the input, its index in the call and the call's
   * options.
   */
  vector: (
    input: EmbeddingInput,
    index: number,
    options: EmbedOptions | undefined,
  ) => ArrayLike<number>;
}

/** A backend of your own for tests, that records how it is used. */
export interface RecordingBackend extends EmbeddingBackend {
  /** Every `embed` call, in the order made. */
  readonly calls: readonly RecordedEmbedCall[];
  /** Whether `close()` has been called. */
  readonly closed: boolean;
}

/**
 * A backend that answers the vectors `options.vector` gives and records every call: pass it as
 * an adapter's `backend` to see exactly what the adapter asks for (inputs, task, dimensions,
 * signal) and whether it closes a backend it was given. Usage is always 0 tokens.
 *
 * @example
 * ```ts
 * const backend = createRecordingBackend({ vector: (_input, index) => [index, 1] });
 * await new JinaClipEmbeddings({ backend }).embedQuery('a red bus');
 * expect(backend.calls[0]?.options?.task).toBe('retrieval.query');
 * expect(backend.closed).toBe(false);
 * ```
 *
 * @throws {InvalidInputError} with `field: 'vector'` when `vector` is not a function.
 */
export function createRecordingBackend(options: RecordingBackendOptions): RecordingBackend {
  const { model = MODELS[DEFAULT_MODEL], vector } = options;
  if (typeof vector !== 'function') {
    throw new InvalidInputError('`vector` must be a function giving the vector of an input.', {
      field: 'vector',
    });
  }
  const calls: RecordedEmbedCall[] = [];
  let closed = false;
  return {
    model,
    calls,
    get closed() {
      return closed;
    },
    async embed(inputs, embedOptions) {
      calls.push({ inputs, options: embedOptions });
      return {
        embeddings: inputs.map((input, index) =>
          Float32Array.from(vector(input, index, embedOptions)),
        ),
        usage: { totalTokens: 0 },
      };
    },
    async close() {
      closed = true;
    },
  };
}
