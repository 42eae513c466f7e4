import { MultiModalEmbedding } from '@llamaindex/core/embeddings';
import type { MessageContentDetail } from '@llamaindex/core/llms';
import type { ImageType } from '@llamaindex/core/schema';
import {
  type AdapterConfig,
  type AdapterOptions,
  type EmbeddingBackend,
  type EmbeddingInput,
  type EmbeddingTask,
  InvalidInputError,
  resolveAdapterOptions,
} from 'jina-clip-runtime';

/** `embedBatchSize` when neither it nor `batchSize` is given. */
const DEFAULT_EMBED_BATCH_SIZE = 32;

/** LlamaIndex's batching of a {@link JinaClipEmbedding}. */
export interface JinaClipEmbeddingBatchOptions {
  /**
   * Inputs LlamaIndex hands to one `getTextEmbeddings` / `getImageEmbeddings` call when it embeds
   * nodes (its batches, awaited one after another, and the progress callback's step). Unless
   * `batchSize` is given it is also the size of each API request or inference batch, so one
   * LlamaIndex batch is one request; set it to a multiple of `batchSize` to have several
   * requests of a batch in flight at once.
   * @default `batchSize` when given, else 32
   */
  embedBatchSize?: number;
}

/**
 * Options of {@link JinaClipEmbedding}: the backend and its options (a discriminated union on
 * `backend`: an option of another backend does not compile), and LlamaIndex's batching.
 */
export type JinaClipEmbeddingOptions = AdapterOptions & JinaClipEmbeddingBatchOptions;

function checkBatchSize(value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new InvalidInputError(`\`embedBatchSize\` must be a positive integer, got ${value}.`, {
      field: 'embedBatchSize',
    });
  }
}

/**
 * Jina CLIP embeddings for LlamaIndex: texts and images in one vector space, from the hosted Jina
 * API (`backend: 'api'`, the default) or the ONNX model run in-process (`backend: 'local'`).
 * As a `VectorStoreIndex`'s embed model it embeds `TextNode`s and `ImageNode`s alike.
 *
 * Nodes are embedded as documents (passages); {@link JinaClipEmbedding.getQueryEmbedding} asks
 * for the query task (jina-clip-v2 prefixes its query instruction; jina-clip-v1 has none).
 */
export class JinaClipEmbedding extends MultiModalEmbedding {
  /** The backend every call goes to. */
  readonly backend: EmbeddingBackend;
  readonly #config: AdapterConfig;

  constructor(options: JinaClipEmbeddingOptions = {}) {
    super();
    const { embedBatchSize, ...adapterOptions } = options;
    checkBatchSize(embedBatchSize);
    // Read as JavaScript may pass it: `batchSize` beside your own backend is rejected below.
    const { batchSize } = adapterOptions as { batchSize?: number };
    const ownBackend = typeof adapterOptions.backend === 'object';
    this.#config = resolveAdapterOptions(
      ownBackend || batchSize !== undefined || embedBatchSize === undefined
        ? adapterOptions
        : ({ ...adapterOptions, batchSize: embedBatchSize } as AdapterOptions),
    );
    this.backend = this.#config.backend;
    this.embedBatchSize = embedBatchSize ?? batchSize ?? DEFAULT_EMBED_BATCH_SIZE;
  }

  /** The model's id (`jina-clip-v2`). */
  get model(): string {
    return this.backend.model.id;
  }

  /** Embeds a text as a document (passage). */
  override async getTextEmbedding(text: string): Promise<number[]> {
    const [vector] = await this.#embed([text]);
    return vector!;
  }

  /** Embeds texts as documents in one backend call, which batches them into requests. */
  override getTextEmbeddings = (texts: string[]): Promise<number[][]> => this.#embed(texts);

  /** Embeds an image (a path, a `file:`, `http(s):` or `data:` URL, a `URL` or a `Blob`). */
  override async getImageEmbedding(image: ImageType): Promise<number[]> {
    const [vector] = await this.#embed([{ image }]);
    return vector!;
  }

  /** Embeds images in one backend call, which batches them into requests. */
  override async getImageEmbeddings(images: ImageType[]): Promise<number[][]> {
    return this.#embed(images.map((image) => ({ image })));
  }

  /**
   * Embeds a query: a `text` detail with the query task, an `image_url` (or base64 `image`)
   * detail as an image query. Other details (audio, video, files) give `null`, as in the base.
   */
  override async getQueryEmbedding(query: MessageContentDetail): Promise<number[] | null> {
    let input: EmbeddingInput;
    if (query.type === 'text') input = query.text;
    else if (query.type === 'image_url') input = { image: query.image_url.url };
    else if (query.type === 'image')
      input = { image: `data:${query.mimeType};base64,${query.data}` };
    else return null;
    const [vector] = await this.#embed([input], 'retrieval.query');
    return vector!;
  }

  /** Releases the backend's connections or ONNX sessions, when this instance created it. */
  async close(): Promise<void> {
    if (this.#config.ownsBackend) await this.backend.close();
  }

  async #embed(inputs: EmbeddingInput[], task?: EmbeddingTask): Promise<number[][]> {
    const { embeddings, usage } = await this.backend.embed(inputs, {
      task,
      dimensions: this.#config.dimensions,
      signal: this.#config.signal,
    });
    this.#config.onUsage?.({ totalTokens: usage.totalTokens });
    // LlamaIndex's nodes and vector stores hold plain arrays.
    return embeddings.map((vector) => Array.from(vector));
  }
}
