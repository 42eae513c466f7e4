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
  embedSettled,
  InvalidInputError,
  type JinaClipError,
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

/** How ingestion (`IngestionPipeline`, `VectorStoreIndex`) treats a node that cannot be embedded. */
export interface JinaClipIngestionOptions {
  /**
   * Keeps the good nodes of a batch with bad ones: when given, ingestion embeds with the
   * runtime's `embedSettled`, calls this once per node that could not be embedded (an unreadable
   * image, say) with its typed error, and returns only the nodes that were embedded, so an
   * `IngestionPipeline` stores those and skips the others.
   * @default undefined (all or nothing: one bad node rejects the ingestion)
   */
  onNodeError?: (error: JinaClipError, node: BaseNode) => void;
}

/**
 * Options of {@link JinaClipEmbedding}: the backend and its options (a discriminated union on
 * `backend`: an option of another backend does not compile), LlamaIndex's batching, and how
 * ingestion treats a node that cannot be embedded.
 */
export type JinaClipEmbeddingOptions = AdapterOptions &
  JinaClipEmbeddingBatchOptions &
  JinaClipIngestionOptions;

/** Progress of one backend call as part of a larger one: `offset` inputs before it, `total` in all. */
interface ProgressSpan {
  offset: number;
  total: number;
}

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
  readonly #onNodeError: JinaClipIngestionOptions['onNodeError'];

  constructor(options: JinaClipEmbeddingOptions = {}) {
    super();
    const { embedBatchSize, onNodeError, ...adapterOptions } = options;
    checkBatchSize(embedBatchSize);
    if (onNodeError !== undefined && typeof onNodeError !== 'function') {
      throw new InvalidInputError('`onNodeError` must be a function.', { field: 'onNodeError' });
    }
    this.#onNodeError = onNodeError;
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

  /**
   * The ingestion transform: each modality's nodes in one backend call, texts first, with
   * `progressCallback(done, total)` counted over all the nodes of the call. With `onNodeError`,
   * the nodes that could not be embedded are reported and left out of the result.
   */
  protected override async embedNodes(
    nodes: BaseNode[],
    options?: BaseEmbeddingOptions,
  ): Promise<BaseNode[]> {
    const byType = splitNodesByType(nodes);
    const texts = byType[ModalityType.TEXT] ?? [];
    const images = (byType[ModalityType.IMAGE] ?? []) as ImageNode[];
    const total = texts.length + images.length;
    const groups: [BaseNode[], EmbeddingInput[], ProgressSpan][] = [
      [texts, texts.map((node) => node.getContent(MetadataMode.EMBED)), { offset: 0, total }],
      [images, images.map((node) => ({ image: node.image })), { offset: texts.length, total }],
    ];
    const failed = new Set<BaseNode>();
    for (const [group, inputs, span] of groups) {
      if (this.#onNodeError === undefined) {
        const vectors = await this.#embed(inputs, undefined, options, span);
        for (const [index, node] of group.entries()) node.embedding = vectors[index];
        continue;
      }
      const outcomes = await this.#embedSettled(inputs, options, span);
      for (const [index, node] of group.entries()) {
        const outcome = outcomes[index]!;
        if (outcome.status === 'fulfilled') node.embedding = outcome.embedding;
        else {
          failed.add(node);
          this.#onNodeError(outcome.error, node);
        }
      }
    }
    return failed.size === 0 ? nodes : nodes.filter((node) => !failed.has(node));
  }

  /** LlamaIndex's progress callback and logger for a backend call, `span` placing it in a larger one. */
  #progress(
    progress: BaseEmbeddingOptions | undefined,
    span: ProgressSpan | undefined,
  ): ((done: number, total: number) => void) | undefined {
    const logger = progress?.logger ?? (progress?.logProgress === true ? console : undefined);
    if (progress?.progressCallback === undefined && logger === undefined) return undefined;
    return (done, total) => {
      const overall = span === undefined ? [done, total] : [span.offset + done, span.total];
      progress?.progressCallback?.(overall[0]!, overall[1]!);
      logger?.log(`getting embedding progress: ${overall[0]} / ${overall[1]}`);
    };
  }

  /** The settled form of {@link #embed}: one vector or typed error per input. */
  async #embedSettled(
    inputs: EmbeddingInput[],
    progress: BaseEmbeddingOptions | undefined,
    span: ProgressSpan,
  ): Promise<
    ({ status: 'fulfilled'; embedding: number[] } | { status: 'rejected'; error: JinaClipError })[]
  > {
    if (inputs.length === 0) return [];
    const { results, usage } = await embedSettled(this.backend, inputs, {
      dimensions: this.#config.dimensions,
      signal: this.#config.signal,
      chunkSize: this.embedBatchSize,
      onProgress: this.#progress(progress, span),
    });
    this.#config.onUsage?.({ totalTokens: usage.totalTokens });
    return results.map((result) =>
      result.status === 'fulfilled'
        ? { status: 'fulfilled', embedding: toPlainArray(result.embedding) }
        : result,
    );
  }

  async #embed(
    inputs: EmbeddingInput[],
    task?: EmbeddingTask,
    progress?: BaseEmbeddingOptions,
    span?: ProgressSpan,
  ): Promise<number[][]> {
    if (inputs.length === 0) return [];
    const { embeddings, usage } = await this.backend.embed(inputs, {
      task,
      dimensions: this.#config.dimensions,
      signal: this.#config.signal,
      onProgress: this.#progress(progress, span),
    });
    this.#config.onUsage?.({ totalTokens: usage.totalTokens });
    // LlamaIndex's nodes and vector stores hold plain arrays.
    return embeddings.map(toPlainArray);
  }
}
