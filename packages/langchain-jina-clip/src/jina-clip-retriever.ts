import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import type { DocumentInterface } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import type { RunnableConfig } from '@langchain/core/runnables';
import type { VectorStoreInterface } from '@langchain/core/vectorstores';
import { type ImageSource, InvalidInputError } from 'jina-clip-runtime';
import { type ImageEmbeddings, imageEmbeddingsOf } from './image-embeddings.js';

/** A query of {@link JinaClipRetriever}: a text (bare or as `{ text }`) or `{ image }`. */
export type JinaClipQuery = string | { text: string } | { image: ImageSource };

/** Options of {@link JinaClipRetriever}. */
export interface JinaClipRetrieverInput<Store extends VectorStoreInterface>
  extends BaseRetrieverInput {
  /** The store to search; its `embeddings` must be a `JinaClipEmbeddings`. */
  vectorStore: Store;
  /** Documents returned per query. @default 4 */
  k?: number;
  /** The store's own filter, applied to every query. */
  filter?: Store['FilterType'];
}

/**
 * A LangChain retriever over any vector store whose `invoke` takes a text or an image: a text
 * (`'a red bus'` or `{ text }`) is embedded with `embedQuery`, an image (`{ image }`: a path,
 * URL, `data:` URI, bytes or a Blob) with `embedImageQuery`, and the store is searched with
 * `similaritySearchVectorWithScore`. Like the store's own `asRetriever()`, but multimodal.
 *
 * @example
 * ```ts
 * const retriever = new JinaClipRetriever({ vectorStore: store, k: 3 });
 * const byText = await retriever.invoke('a red bus');
 * const byImage = await retriever.invoke({ image: './photos/query.jpg' });
 * ```
 */
export class JinaClipRetriever<
  Store extends VectorStoreInterface = VectorStoreInterface,
> extends BaseRetriever {
  static override lc_name(): string {
    return 'JinaClipRetriever';
  }

  lc_namespace = ['langchain_jina_clip', 'retrievers'];

  /** The store searched. */
  readonly vectorStore: Store;
  /** Documents returned per query. */
  readonly k: number;
  /** The store's filter applied to every query. */
  readonly filter: Store['FilterType'] | undefined;
  readonly #embeddings: ImageEmbeddings;

  constructor(input: JinaClipRetrieverInput<Store>) {
    super(input);
    const { vectorStore, k = 4, filter } = input;
    this.#embeddings = imageEmbeddingsOf(vectorStore, 'vectorStore');
    if (!Number.isInteger(k) || k < 1) {
      throw new InvalidInputError(`\`k\` must be a positive integer, got ${k}.`, { field: 'k' });
    }
    this.vectorStore = vectorStore;
    this.k = k;
    this.filter = filter;
  }

  /** Retrieves the `k` documents nearest a text or an image query. */
  override invoke(query: JinaClipQuery, options?: RunnableConfig): Promise<DocumentInterface[]> {
    // BaseRetriever is typed for text queries; its invoke hands the query on unchanged.
    return super.invoke(query as string, options);
  }

  override async _getRelevantDocuments(
    query: JinaClipQuery,
    _runManager?: CallbackManagerForRetrieverRun,
  ): Promise<DocumentInterface[]> {
    const vector = await this.#embedQuery(query);
    const results = await this.vectorStore.similaritySearchVectorWithScore(
      vector,
      this.k,
      this.filter,
    );
    return results.map(([document]) => document);
  }

  #embedQuery(query: JinaClipQuery): Promise<number[]> {
    if (typeof query === 'string') return this.#embeddings.embedQuery(query);
    if (typeof query === 'object' && query !== null) {
      if ('image' in query) return this.#embeddings.embedImageQuery(query.image);
      if ('text' in query && typeof query.text === 'string') {
        return this.#embeddings.embedQuery(query.text);
      }
    }
    throw new InvalidInputError(
      'The query must be a text (a string or `{ text }`) or an image (`{ image }`).',
      { field: 'query' },
    );
  }
}
