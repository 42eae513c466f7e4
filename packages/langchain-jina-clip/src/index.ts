/**
 * `langchain-jina-clip`: Jina CLIP multimodal embeddings for LangChain.js.
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
export { type AddImagesOptions, addImages } from './add-images.js';
export {
  JinaClipEmbeddings,
  type JinaClipEmbeddingsCallOptions,
  type JinaClipEmbeddingsParams,
  type SettledVector,
} from './jina-clip-embeddings.js';
export {
  JinaClipFolderLoader,
  type JinaClipFolderLoaderOptions,
  type JinaClipFolderMetadata,
} from './jina-clip-folder-loader.js';
export {
  type JinaClipQuery,
  JinaClipRetriever,
  type JinaClipRetrieverInput,
} from './jina-clip-retriever.js';
