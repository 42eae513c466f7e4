import { Embeddings } from '@langchain/core/embeddings';
import {
  type AdapterConfig,
  type AdapterOptions,
  type EmbeddingBackend,
  type EmbeddingInput,
  type EmbeddingTask,
  embedSettled,
  type ImageSource,
  InvalidInputError,
  type JinaClipError,
  resolveAdapterOptions,
} from 'jina-clip-runtime';
import { takeQueryVector } from './precomputed-queries.js';

/**
 * Options of {@link JinaClipEmbeddings}: the backend and its options, a discriminated union on
 * `backend` (an option of another backend does not compile). `maxRetries` (default 2) are the
 * runtime's retries, which honour `Retry-After`; LangChain's `AsyncCaller` does not retry on top.
 * `maxConcurrency` (default 2) bounds API requests in flight across all calls of the instance.
 */
export type JinaClipEmbeddingsParams = AdapterOptions;

/** Per-call options of the {@link JinaClipEmbeddings} methods. */
export interface JinaClipEmbeddingsCallOptions {
  /** Cancels this call (as well as the instance's `signal`); it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * The outcome of one input of {@link JinaClipEmbeddings.embedImagesSettled}: its vector (a plain
 * array, as LangChain's stores take it) or the typed error that input alone caused.
 */
export type SettledVector =
  | { status: 'fulfilled'; embedding: number[] }
  | { status: 'rejected'; error: JinaClipError };

/**
 * Jina CLIP embeddings for LangChain: texts and images in one vector space, from the hosted Jina
 * API (`backend: 'api'`, the default) or the ONNX model run in-process (`backend: 'local'`).
 *
 * Documents are embedded as passages; {@link JinaClipEmbeddings.embedQuery} and
 * {@link JinaClipEmbeddings.embedImageQuery} ask for the query task (jina-clip-v2 prefixes its
 * query instruction; jina-clip-v1 has none).
 */
export class JinaClipEmbeddings extends Embeddings {
  /** The backend every call goes to. */
  readonly backend: EmbeddingBackend;
  readonly #config: AdapterConfig;

  constructor(params: JinaClipEmbeddingsParams = {}) {
    // Exactly one retry layer, the runtime's: it knows the Jina error taxonomy (a 422 is final,
    // a 429 waits for Retry-After) and retries one failed request, not a whole batch of them.
    // LangChain's AsyncCaller therefore gets no retries, and calls go to the backend directly
    // rather than through `this.caller`: the runtime already bounds requests in flight per
    // backend, and the caller's wrapper would turn a non-Error abort reason into a new Error.
    super({ maxRetries: 0 });
    this.#config = resolveAdapterOptions(params);
    this.backend = this.#config.backend;
  }

  /** The model's id (`jina-clip-v2`). */
  get model(): string {
    return this.backend.model.id;
  }

  /** Embeds texts as documents (passages), one vector per text in the same order. */
  override async embedDocuments(
    texts: string[],
    options?: JinaClipEmbeddingsCallOptions,
  ): Promise<number[][]> {
    return this.#embed(this.#list(texts, 'texts'), undefined, options);
  }

  /** Embeds a text as a search query. */
  override async embedQuery(
    text: string,
    options?: JinaClipEmbeddingsCallOptions,
  ): Promise<number[]> {
    // A vector JinaClipRetriever embedded already (an image query for the store's MMR search).
    const precomputed = typeof text === 'string' ? takeQueryVector(text) : undefined;
    if (precomputed !== undefined) return precomputed;
    const [vector] = await this.#embed([text], 'retrieval.query', options);
    return vector!;
  }

  /** Embeds images as documents, one vector per image in the same order. */
  async embedImages(
    images: ImageSource[],
    options?: JinaClipEmbeddingsCallOptions,
  ): Promise<number[][]> {
    const inputs = this.#list(images, 'images').map((image) => ({ image }));
    return this.#embed(inputs, undefined, options);
  }

  /**
   * Embeds images as documents and keeps every good vector: one outcome per image, in order,
   * where a bad image (unreadable, too large, refused by the server) gets its typed error and the
   * others their vectors (`embedSettled` of the runtime, in calls of 32). Only a failure of the
   * whole call (an abort, a closed backend, a wrong option) rejects.
   *
   * @example
   * ```ts
   * const outcomes = await embeddings.embedImagesSettled(['./a.jpg', './broken.jpg']);
   * const good = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [[i, o.embedding]] : []));
   * ```
   */
  async embedImagesSettled(
    images: ImageSource[],
    options?: JinaClipEmbeddingsCallOptions,
  ): Promise<SettledVector[]> {
    const inputs = this.#list(images, 'images').map((image) => ({ image }));
    const { results, usage } = await embedSettled(this.backend, inputs, {
      dimensions: this.#config.dimensions,
      signal: this.#signal(options),
    });
    this.#config.onUsage?.({ totalTokens: usage.totalTokens });
    return results.map((result) =>
      result.status === 'fulfilled'
        ? { status: 'fulfilled', embedding: Array.from(result.embedding) }
        : result,
    );
  }

  /** Embeds an image as a search query (to find texts or images like it). */
  async embedImageQuery(
    image: ImageSource,
    options?: JinaClipEmbeddingsCallOptions,
  ): Promise<number[]> {
    const [vector] = await this.#embed([{ image }], 'retrieval.query', options);
    return vector!;
  }

  /** Releases the backend's connections or ONNX sessions, when this instance created it. */
  async close(): Promise<void> {
    if (this.#config.ownsBackend) await this.backend.close();
  }

  #list<T>(values: T[], field: string): T[] {
    if (!Array.isArray(values)) {
      throw new InvalidInputError(`\`${field}\` must be an array.`, { field });
    }
    return values;
  }

  /** The instance's signal and the call's, combined. */
  #signal(options: JinaClipEmbeddingsCallOptions = {}): AbortSignal | undefined {
    const signals = [this.#config.signal, options.signal].filter((signal) => signal !== undefined);
    return signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  }

  async #embed(
    inputs: EmbeddingInput[],
    task: EmbeddingTask | undefined,
    options: JinaClipEmbeddingsCallOptions = {},
  ): Promise<number[][]> {
    const { embeddings, usage } = await this.backend.embed(inputs, {
      task,
      dimensions: this.#config.dimensions,
      signal: this.#signal(options),
    });
    this.#config.onUsage?.({ totalTokens: usage.totalTokens });
    // LangChain's vector stores expect plain arrays.
    return embeddings.map((vector) => Array.from(vector));
  }
}
