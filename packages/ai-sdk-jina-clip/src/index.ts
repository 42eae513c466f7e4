/**
 * `jina-clip-ai-provider`: Jina CLIP multimodal embeddings for the Vercel AI SDK.
 * @packageDocumentation
 */

// What a user of the provider names without installing the runtime themselves.
export {
  type AdapterUsage,
  ApiError,
  AuthenticationError,
  ConnectionError,
  type DownloadProgress,
  type EmbeddingBackend,
  type EmbeddingInput,
  type EmbeddingTask,
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
  JinaClipEmbeddingModel,
  type JinaClipEmbeddingModelConfig,
} from './jina-clip-embedding-model.js';
export type { JinaClipEmbeddingProviderOptions } from './jina-clip-embedding-options.js';
export { type JinaClipCallInputs, jinaClipInputs } from './jina-clip-inputs.js';
export {
  createJinaClip,
  type JinaClipProvider,
  type JinaClipProviderSettings,
  jinaClip,
} from './jina-clip-provider.js';
