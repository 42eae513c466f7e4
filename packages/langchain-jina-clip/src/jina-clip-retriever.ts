import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import type { DocumentInterface } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import type { RunnableConfig } from '@langchain/core/runnables';
import type { VectorStoreInterface } from '@langchain/core/vectorstores';
import { type ImageSource, InvalidInputError } from 'jina-clip-runtime';
import { type ImageEmbeddings, imageEmbeddingsOf } from './image-embeddings.js';
import { forgetQueryVector, registerQueryVector } from './precomputed-queries.js';

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
  /**
   * `'similarity'`: the `k` nearest documents. `'mmr'`: maximal marginal relevance, as LangChain's
   * `VectorStoreRetriever` does it: the store's own `maxMarginalRelevanceSearch` (which fetches
   * `fetchK` candidates and picks `k` of them with `maximalMarginalRelevance` of
   * `@langchain/core/utils/math`), here with text and image queries alike.
   * @default 'similarity'
   */
  searchType?: 'similarity' | 'mmr';
  /** MMR only: candidates fetched (`fetchK`, default 20) and the relevance/diversity balance (`lambda` 0..1, default 0.5). */
  searchKwargs?: { fetchK?: number; lambda?: number };
  /**
   * Similarity only: documents whose score (as the store's `similaritySearchVectorWithScore`
   * returns it: the cosine similarity in `MemoryVectorStore`, higher is nearer) is below this are
   * left out. Stores that score by distance (lower is nearer, as LanceDB) need their own filter.
   * @default undefined (no threshold)
   */
  scoreThreshold?: number;
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
  /** Similarity or maximal marginal relevance. */
  readonly searchType: 'similarity' | 'mmr';
  /** MMR's `fetchK` and `lambda`. */
  readonly searchKwargs: { fetchK?: number; lambda?: number };
  /** The lowest score kept (similarity search). */
  readonly scoreThreshold: number | undefined;
  readonly #embeddings: ImageEmbeddings;

  constructor(input: JinaClipRetrieverInput<Store>) {
    super(input);
    const {
      vectorStore,
      k = 4,
      filter,
      searchType = 'similarity',
      searchKwargs = {},
      scoreThreshold,
    } = input;
    this.#embeddings = imageEmbeddingsOf(vectorStore, 'vectorStore');
    if (!Number.isInteger(k) || k < 1) {
      throw new InvalidInputError(`\`k\` must be a positive integer, got ${k}.`, { field: 'k' });
    }
    if (searchType !== 'similarity' && searchType !== 'mmr') {
      throw new InvalidInputError(
        `\`searchType\` must be 'similarity' or 'mmr', got ${JSON.stringify(searchType)}.`,
        { field: 'searchType' },
      );
    }
    if (searchType === 'mmr') {
      if (typeof vectorStore.maxMarginalRelevanceSearch !== 'function') {
        throw new InvalidInputError(
          "`searchType: 'mmr'` needs a vector store with maxMarginalRelevanceSearch; this one has none.",
          { field: 'searchType' },
        );
      }
      if (scoreThreshold !== undefined) {
        throw new InvalidInputError(
          "`scoreThreshold` applies to `searchType: 'similarity'` (an MMR search returns no scores).",
          { field: 'scoreThreshold' },
        );
      }
    }
    const { fetchK, lambda } = searchKwargs;
    if (fetchK !== undefined && (!Number.isInteger(fetchK) || fetchK < k)) {
      throw new InvalidInputError(
        `\`searchKwargs.fetchK\` must be an integer of at least k (${k}), got ${fetchK}.`,
        {
          field: 'searchKwargs.fetchK',
        },
      );
    }
    if (lambda !== undefined && !(typeof lambda === 'number' && lambda >= 0 && lambda <= 1)) {
      throw new InvalidInputError(
        `\`searchKwargs.lambda\` must be a number from 0 to 1, got ${lambda}.`,
        {
          field: 'searchKwargs.lambda',
        },
      );
    }
    if (scoreThreshold !== undefined && !Number.isFinite(scoreThreshold)) {
      throw new InvalidInputError(
        `\`scoreThreshold\` must be a finite number, got ${scoreThreshold}.`,
        {
          field: 'scoreThreshold',
        },
      );
    }
    this.vectorStore = vectorStore;
    this.k = k;
    this.filter = filter;
    this.searchType = searchType;
    this.searchKwargs = { fetchK, lambda };
    this.scoreThreshold = scoreThreshold;
  }

  /** Retrieves the `k` documents nearest a text or an image query. */
  override invoke(query: JinaClipQuery, options?: RunnableConfig): Promise<DocumentInterface[]> {
    // BaseRetriever is typed for text queries; its invoke hands the query on unchanged.
    return super.invoke(query as string, options);
  }

  /**
   * The `k` documents nearest a text or an image query with the store's score of each (the
   * similarity search, `scoreThreshold` applied), nearest first.
   */
  async invokeWithScores(query: JinaClipQuery): Promise<[DocumentInterface, number][]> {
    if (this.searchType === 'mmr') {
      throw new InvalidInputError(
        "`invokeWithScores` needs `searchType: 'similarity'` (an MMR search returns no scores).",
        { field: 'searchType' },
      );
    }
    const vector = await this.#embedQuery(query);
    const results = await this.vectorStore.similaritySearchVectorWithScore(
      vector,
      this.k,
      this.filter,
    );
    const threshold = this.scoreThreshold;
    return threshold === undefined ? results : results.filter(([, score]) => score >= threshold);
  }

  override async _getRelevantDocuments(
    query: JinaClipQuery,
    _runManager?: CallbackManagerForRetrieverRun,
  ): Promise<DocumentInterface[]> {
    if (this.searchType === 'similarity') {
      return (await this.invokeWithScores(query)).map(([document]) => document);
    }
    // The store's MMR embeds its query with embedQuery: hand it this query's vector (see
    // precomputed-queries.ts), so that an image query works as a text one does.
    const key = registerQueryVector(await this.#embedQuery(query));
    try {
      return await this.vectorStore.maxMarginalRelevanceSearch!(
        key,
        {
          k: this.k,
          filter: this.filter,
          ...(this.searchKwargs.fetchK === undefined ? {} : { fetchK: this.searchKwargs.fetchK }),
          ...(this.searchKwargs.lambda === undefined ? {} : { lambda: this.searchKwargs.lambda }),
        },
        undefined,
      );
    } finally {
      forgetQueryVector(key);
    }
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
