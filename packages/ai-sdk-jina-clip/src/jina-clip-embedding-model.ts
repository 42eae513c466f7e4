import type {
  EmbeddingModelV4,
  EmbeddingModelV4CallOptions,
  EmbeddingModelV4Result,
  SharedV4Warning,
} from '@ai-sdk/provider';
import {
  type EmbeddingModelProviderOptionsTransformer,
  EXPERIMENTAL_EMBEDDING_MODEL_PROVIDER_OPTIONS_TRANSFORMER,
  parseProviderOptions,
} from '@ai-sdk/provider-utils';
import {
  type AdapterConfig,
  type EmbeddingInput,
  type EmbeddingTask,
  InvalidInputError,
  type TruncatedInput,
} from 'jina-clip-runtime';
import {
  JINA_CLIP_PROVIDER_OPTIONS_KEY,
  jinaClipEmbeddingOptionsSchema,
} from './jina-clip-embedding-options.js';

/** What a {@link JinaClipEmbeddingModel} is built with (by `createJinaClip`). */
export interface JinaClipEmbeddingModelConfig {
  /** The provider's name, for the SDK's logs. */
  provider: string;
  /** The backend and the provider's call settings, resolved once per model id. */
  adapter: () => AdapterConfig;
  /** Which backend kind serves the model: per-call `headers` reach only `'api'`. */
  backendKind: 'api' | 'local' | 'custom';
  /** The task of calls that name none. */
  task: EmbeddingTask | undefined;
  /** Values per `doEmbed` call: `embedMany` splits larger lists into calls of this size. */
  maxEmbeddingsPerCall: number | undefined;
  /** The provider's `onTruncation`, called beside the call's warning. */
  onTruncation: ((truncated: readonly TruncatedInput[]) => void) | undefined;
}

/** Headers the SDK adds to every call and the runtime sets itself. */
const SDK_HEADERS = new Set(['user-agent']);

/** The caller's own headers: the SDK's `user-agent` and undefined values left out. */
function callerHeaders(
  headers: EmbeddingModelV4CallOptions['headers'],
): Record<string, string> | undefined {
  const own = Object.entries(headers ?? {}).filter(
    ([name, value]) => value !== undefined && !SDK_HEADERS.has(name.toLowerCase()),
  );
  return own.length === 0 ? undefined : Object.fromEntries(own);
}

/** One signal for the call's `abortSignal` and the provider's `signal`, either may be absent. */
function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((signal) => signal !== undefined);
  return present.length <= 1 ? present[0] : AbortSignal.any(present);
}

/**
 * A vector as a plain array, as the SDK returns embeddings. An indexed loop: `Array.from` on a
 * Float32Array goes through its iterator, several times slower on 10,000 vectors.
 */
function toPlainArray(vector: Float32Array): number[] {
  const array = new Array<number>(vector.length);
  for (let index = 0; index < vector.length; index++) array[index] = vector[index]!;
  return array;
}

/** The truncation report of a call, as one SDK warning. */
function truncationWarning(values: readonly string[], truncated: readonly TruncatedInput[]) {
  const named = truncated
    .map(({ inputIndex, tokens }) => {
      const value = values[inputIndex] ?? '';
      const label = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `${JSON.stringify(label)} (${tokens} tokens)`;
    })
    .join(', ');
  const count = truncated.length;
  const one = count === 1;
  const maxTokens = truncated[0]!.maxTokens;
  return {
    type: 'other',
    message: `${count} ${one ? 'text was' : 'texts were'} longer than the model's ${maxTokens} tokens and embedded from ${one ? 'its' : 'their'} first ${maxTokens} tokens only: ${named}.`,
  } satisfies SharedV4Warning;
}

/**
 * Keeps `providerOptions.jinaClip.content` aligned when `embedMany` splits `values` into calls:
 * each call gets the entries of its own values (as the SDK's Google provider does).
 */
const sliceContent: EmbeddingModelProviderOptionsTransformer = ({
  providerOptions,
  values,
  startIndex,
  endIndex,
}) => {
  const options = providerOptions?.[JINA_CLIP_PROVIDER_OPTIONS_KEY];
  const content = options?.content;
  if (!Array.isArray(content)) return providerOptions;
  checkContentLength(content.length, values.length);
  return {
    ...providerOptions,
    [JINA_CLIP_PROVIDER_OPTIONS_KEY]: { ...options, content: content.slice(startIndex, endIndex) },
  };
};

function checkContentLength(entries: number, values: number): void {
  if (entries !== values) {
    throw new InvalidInputError(
      `\`providerOptions.jinaClip.content\` must hold one entry per value (null for a text): got ${entries} for ${values} values.`,
      { field: 'providerOptions.jinaClip.content' },
    );
  }
}

/**
 * A Jina CLIP embedding model for the AI SDK's `embed` and `embedMany` (specification v4):
 * texts and images into one space. Each value is a text unless
 * `providerOptions.jinaClip.content[i]` holds `{ image }`; the runtime's backend does every
 * request, batch, retry and image decode.
 */
export class JinaClipEmbeddingModel implements EmbeddingModelV4 {
  readonly specificationVersion = 'v4';
  readonly modelId: string;
  /**
   * The backend's batch size: `embedMany` sends one batch per call, all calls at once, and the
   * backend's own limit (`maxConcurrency` requests in flight across calls) paces them. A backend
   * of your own batches itself: no limit.
   */
  readonly maxEmbeddingsPerCall: number | undefined;
  /** True: every call shares the backend, whose limiter bounds the work in flight. */
  readonly supportsParallelCalls = true;
  readonly [EXPERIMENTAL_EMBEDDING_MODEL_PROVIDER_OPTIONS_TRANSFORMER] = sliceContent;
  readonly #config: JinaClipEmbeddingModelConfig;

  constructor(modelId: string, config: JinaClipEmbeddingModelConfig) {
    this.modelId = modelId;
    this.maxEmbeddingsPerCall = config.maxEmbeddingsPerCall;
    this.#config = config;
  }

  get provider(): string {
    return this.#config.provider;
  }

  /** The task this model embeds with when a call names none. */
  get task(): EmbeddingTask | undefined {
    return this.#config.task;
  }

  async doEmbed(options: EmbeddingModelV4CallOptions): Promise<EmbeddingModelV4Result> {
    const { values, dimensions, abortSignal, headers, providerOptions } = options;
    abortSignal?.throwIfAborted();
    const parsed = await parseProviderOptions({
      provider: JINA_CLIP_PROVIDER_OPTIONS_KEY,
      providerOptions,
      schema: jinaClipEmbeddingOptionsSchema,
    });
    const content = parsed?.content;
    if (content !== undefined) checkContentLength(content.length, values.length);
    const inputs: EmbeddingInput[] = values.map((value, index) => {
      const entry = content?.[index];
      return entry == null ? value : { image: entry.image };
    });
    const adapter = this.#config.adapter();
    const warnings: SharedV4Warning[] = [];
    const ownHeaders = callerHeaders(headers);
    if (ownHeaders !== undefined && this.#config.backendKind === 'local') {
      warnings.push({
        type: 'unsupported',
        feature: 'headers',
        details: 'The local backend sends no requests: headers are ignored.',
      });
    }
    let responseHeaders: Record<string, string> | undefined;
    const { embeddings, usage } = await adapter.backend.embed(inputs, {
      task: parsed?.task ?? this.#config.task,
      dimensions: dimensions ?? adapter.dimensions,
      signal: anySignal([abortSignal, adapter.signal]),
      ...(ownHeaders === undefined ? {} : { headers: ownHeaders }),
      onResponse: (response) => {
        responseHeaders = { ...response.headers };
      },
      onTruncation: (truncated) => {
        warnings.push(truncationWarning(values, truncated));
        this.#config.onTruncation?.(truncated);
      },
    });
    adapter.onUsage?.({ totalTokens: usage.totalTokens });
    return {
      embeddings: embeddings.map(toPlainArray),
      usage: { tokens: usage.totalTokens },
      warnings,
      providerMetadata: {
        [JINA_CLIP_PROVIDER_OPTIONS_KEY]: {
          model: adapter.backend.model.id,
          dimensions: embeddings[0]?.length ?? null,
        },
      },
      ...(responseHeaders === undefined ? {} : { response: { headers: responseHeaders } }),
    };
  }
}
