/**
 * `llamaindex-jina-clip`: Jina CLIP multimodal embeddings for LlamaIndex.TS.
 * @packageDocumentation
 */

// What a user of the adapter names without installing the runtime themselves.
export {
  type AdapterUsage,
  ApiError,
  AuthenticationError,
  BackendClosedError,
  ConnectionError,
  type DownloadProgress,
  type EmbeddingBackend,
  type EmbedSettledOptions,
  type EmbedSettledResult,
  type EmbedSettledResults,
  embedSettled,
  ImageLoadError,
  type ImageSource,
  InvalidInputError,
  JinaClipError,
  type JinaClipModelId,
  ModelLoadError,
  RateLimitError,
  TimeoutError,
} from 'jina-clip-runtime';
export {
  JinaClipEmbedding,
  type JinaClipEmbeddingBatchOptions,
  type JinaClipEmbeddingOptions,
  type JinaClipIngestionOptions,
} from './jina-clip-embedding.js';
export {
  type JinaClipFolderMetadata,
  JinaClipFolderReader,
  type JinaClipFolderReaderOptions,
} from './jina-clip-folder-reader.js';
