/** The hosted-API contenders, in the order they run and are reported. */
export const HOSTED_CONTENDERS = [
  'http floor',
  'jina-clip-runtime',
  'langchain-jina-clip',
  'llamaindex-jina-clip',
  'jina-clip-ai-provider',
  '@langchain/community JinaEmbeddings',
  '@llamaindex/jinaai JinaAIEmbedding',
  '@llamaindex/jinaai JinaAIEmbedding (translated)',
  'jina-clip-runtime (originals)',
] as const;

/** Phases each contender runs: the floor only sends texts, the originals only matter for images. */
export const HOSTED_CONTENDER_PHASES: Record<HostedContenderName, readonly ('texts' | 'images')[]> =
  {
    'http floor': ['texts'],
    'jina-clip-runtime': ['texts', 'images'],
    'langchain-jina-clip': ['texts', 'images'],
    'llamaindex-jina-clip': ['texts', 'images'],
    'jina-clip-ai-provider': ['texts', 'images'],
    '@langchain/community JinaEmbeddings': ['texts', 'images'],
    '@llamaindex/jinaai JinaAIEmbedding': ['texts', 'images'],
    '@llamaindex/jinaai JinaAIEmbedding (translated)': ['texts', 'images'],
    'jina-clip-runtime (originals)': ['images'],
  };

/**
 * Contenders whose requests pass through the legacy-field translator (`encoding_type` and
 * `{ bytes }` renamed to the current schema) on their way to the loopback server.
 */
export const TRANSLATED_CONTENDERS: ReadonlySet<HostedContenderName> = new Set([
  '@llamaindex/jinaai JinaAIEmbedding (translated)',
]);

/** A hosted contender's name. */
export type HostedContenderName = (typeof HOSTED_CONTENDERS)[number];

/** What every hosted contender is given: the same server, key and model. */
export interface HostedSetup {
  /** Base URL of the loopback server, ending `/v1`. */
  baseURL: string;
  apiKey: string;
  model: 'jina-clip-v1' | 'jina-clip-v2';
}

/** A client, configured as its documentation says, pointed at the loopback server. */
export interface HostedContender {
  /** How the client was configured and pointed at the server, for the report. */
  readonly configuration: string;
  /** Untimed work before the call (the floor serialises its bodies here). */
  prepare?(inputs: string[]): void;
  embedTexts(texts: string[]): Promise<ArrayLike<number>[]>;
  embedImages(paths: string[]): Promise<ArrayLike<number>[]>;
  close?(): Promise<void>;
}

/**
 * How each client batches and how many requests it keeps in flight by default (read from its
 * source): the terms of its ideal wall time, ceil(N / batch) / min(concurrency, cap) x latency.
 * `Infinity`: no limit (every batch is sent at once).
 */
export const HOSTED_CLIENT_SHAPES: Record<
  HostedContenderName,
  { batchSize: number; concurrency: number }
> = {
  'http floor': { batchSize: 32, concurrency: 2 },
  'jina-clip-runtime': { batchSize: 32, concurrency: 2 },
  'jina-clip-runtime (originals)': { batchSize: 32, concurrency: 2 },
  'langchain-jina-clip': { batchSize: 32, concurrency: 2 },
  // Its ingestion transform hands each modality to the runtime in one call: maxConcurrency 2.
  'llamaindex-jina-clip': { batchSize: 32, concurrency: 2 },
  // embedMany starts every chunk of maxEmbeddingsPerCall (32) at once; the backend sends 2.
  'jina-clip-ai-provider': { batchSize: 32, concurrency: 2 },
  // embedDocuments sends every batch at once with Promise.all (its maxConcurrency is unused).
  '@langchain/community JinaEmbeddings': { batchSize: 24, concurrency: Number.POSITIVE_INFINITY },
  '@llamaindex/jinaai JinaAIEmbedding': { batchSize: 10, concurrency: 1 },
  '@llamaindex/jinaai JinaAIEmbedding (translated)': { batchSize: 10, concurrency: 1 },
};
