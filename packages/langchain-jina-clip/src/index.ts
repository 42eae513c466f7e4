/**
 * `langchain-jina-clip`: Jina CLIP multimodal embeddings for LangChain.js.
 * @packageDocumentation
 */

// What a user of the adapter names without installing the runtime themselves.
export {
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
  JinaClipEmbeddings,
  type JinaClipEmbeddingsCallOptions,
  type JinaClipEmbeddingsParams,
} from './jina-clip-embeddings.js';
