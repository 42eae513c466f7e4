/**
 * `llamaindex-jina-clip`: Jina CLIP multimodal embeddings for LlamaIndex.TS.
 * @packageDocumentation
 */

// What a user of the adapter names without installing the runtime themselves.
export {
  type AdapterUsage,
  ApiError,
  AuthenticationError,
  ConnectionError,
  type DownloadProgress,
  type EmbeddingBackend,
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
} from './jina-clip-embedding.js';
