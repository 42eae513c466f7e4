import type { BaseEmbeddingOptions } from '@llamaindex/core/embeddings';
import type { MessageContentDetail } from '@llamaindex/core/llms';
import {
  type BaseNode,
  type ImageNode,
  type ImageType,
  MetadataMode,
  ModalityType,
  splitNodesByType,
} from '@llamaindex/core/schema';
import {
  type AdapterConfig,
  type AdapterOptions,
  type EmbeddingBackend,
  type EmbeddingInput,
  type EmbeddingTask,
  InvalidInputError,
  resolveAdapterOptions,
} from 'jina-clip-runtime';
import { NodeEmbeddingTransform } from './node-embedding-transform.js';

/** `embedBatchSize` when neither it nor `batchSize` is given. */
const DEFAULT_EMBED_BATCH_SIZE = 32;

/** LlamaIndex's batching of a {@link JinaClipEmbedding}. */
export interface JinaClipEmbeddingBatchOptions {
  /**
   * LlamaIndex's batch size. Unless `batchSize` is given it is also the size of each API request
   * or inference batch. Node ingestion (`VectorStoreIndex`, `IngestionPipeline`) and
   * `getTextEmbeddingsBatch` hand all of a modality's inputs to the backend in one call, which
   * keeps `maxConcurrency` requests of `batchSize` in flight and reports progress per request.
   * @default `batchSize` when given, else 32
   */
  embedBatchSize?: number;
}

/**
 * Options of {@link JinaClipEmbedding}: the backend and its options (a discriminated union on
 * `backend`: an option of another backend does not compile), and LlamaIndex's batching.
 */
export type JinaClipEmbeddingOptions = AdapterOptions & JinaClipEmbeddingBatchOptions;

/**
 * A vector as a plain array. An indexed loop, because `Array.from` on a Float32Array goes through
 * its iterator: 10,000 vectors of 768 took 0.7 to 1.4 s that way, 40 to 70 ms this way.
 */
function toPlainArray(vector: Float32Array): number[] {
  const array = new Array<number>(vector.length);
  for (let index = 0; index < vector.length; index++) array[index] = vector[index]!;
  return array;
}

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
 * Ingestion embeds each modality's nodes in one backend call: `maxConcurrency` requests in
 * flight, LlamaIndex's `progressCallback` called as each request finishes.
 */
export class JinaClipEmbedding extends NodeEmbeddingTransform {
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

  /**
   * Embeds texts as documents in one backend call (LlamaIndex's own awaits one `embedBatchSize`
   * chunk at a time), calling `progressCallback` as each request finishes.
   */
  override getTextEmbeddingsBatch(
    texts: string[],
    options?: BaseEmbeddingOptions,
  ): Promise<number[][]> {
    return this.#embed(texts, undefined, options);
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

  /** The ingestion transform: each modality's nodes in one backend call, texts first. */
  protected override async embedNodes(
    nodes: BaseNode[],
    options?: BaseEmbeddingOptions,
  ): Promise<BaseNode[]> {
    const byType = splitNodesByType(nodes);
    const texts = byType[ModalityType.TEXT] ?? [];
    const images = (byType[ModalityType.IMAGE] ?? []) as ImageNode[];
    const textVectors = await this.#embed(
      texts.map((node) => node.getContent(MetadataMode.EMBED)),
      undefined,
      options,
    );
    for (const [index, node] of texts.entries()) node.embedding = textVectors[index];
    const imageVectors = await this.#embed(
      images.map((node) => ({ image: node.image })),
      undefined,
      options,
    );
    for (const [index, node] of images.entries()) node.embedding = imageVectors[index];
    return nodes;
  }

  async #embed(
    inputs: EmbeddingInput[],
    task?: EmbeddingTask,
    progress?: BaseEmbeddingOptions,
  ): Promise<number[][]> {
    if (inputs.length === 0) return [];
    const logger = progress?.logger ?? (progress?.logProgress === true ? console : undefined);
    const { embeddings, usage } = await this.backend.embed(inputs, {
      task,
      dimensions: this.#config.dimensions,
      signal: this.#config.signal,
      onProgress:
        progress?.progressCallback === undefined && logger === undefined
          ? undefined
          : (done, total) => {
              progress?.progressCallback?.(done, total);
              logger?.log(`getting embedding progress: ${done} / ${total}`);
            },
    });
    this.#config.onUsage?.({ totalTokens: usage.totalTokens });
    // LlamaIndex's nodes and vector stores hold plain arrays.
    return embeddings.map(toPlainArray);
  }
}
