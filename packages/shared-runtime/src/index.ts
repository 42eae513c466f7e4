/**
 * `jina-clip-runtime`: Jina CLIP embeddings of texts and images, from the hosted Jina
 * Embeddings API or the local ONNX model. This entry never loads onnxruntime-node or sharp.
 * @packageDocumentation
 */
export {
  type AdapterApiOptions,
  type AdapterCallOptions,
  type AdapterConfig,
  type AdapterLocalOptions,
  type AdapterOptions,
  type AdapterOwnBackendOptions,
  type AdapterUsage,
  resolveAdapterOptions,
} from './adapter-options.js';
export { API_BACKEND_OPTION_NAMES } from './api/api-backend-option-names.js';
export type { ApiBackendOptions, RetryBackoffOptions } from './api/api-backend-options.js';
export { createApiBackend } from './api/create-api-backend.js';
export type {
  ApiOnlyOptions,
  BackendOptions,
  Forbidden,
  LocalOnlyOptions,
} from './backend-options.js';
export { createBackend } from './create-backend.js';
export { DEFAULT_BATCH_SIZES } from './default-batch-sizes.js';
export { checkEmbedOptions, type EmbedConfig, resolveEmbedOptions } from './embed-options.js';
export {
  type EmbedSettledOptions,
  type EmbedSettledResult,
  type EmbedSettledResults,
  embedSettled,
} from './embed-settled.js';
export type {
  EmbeddingBackend,
  EmbedOptions,
  EmbedResponseInfo,
  EmbedResult,
} from './embedding-backend.js';
export * from './errors/index.js';
export type { EmbeddingInput, ImageSource, ResolvedInput } from './inputs/embedding-input.js';
export {
  IMAGE_SOURCE_DEFAULTS,
  IMAGE_SOURCE_OPTION_NAMES,
  type ImageSourceOptions,
} from './inputs/image-source-options.js';
export {
  type ListMediaFilesOptions,
  listMediaFiles,
  MEDIA_IMAGE_EXTENSIONS,
  MEDIA_TEXT_EXTENSIONS,
  type MediaFile,
} from './inputs/list-media-files.js';
export { type ReadImageBytesOptions, readImageBytes } from './inputs/read-image-bytes.js';
export { validateInputs } from './inputs/validate-inputs.js';
export { LOCAL_BACKEND_OPTION_NAMES } from './local/local-backend-option-names.js';
export type {
  Device,
  DownloadProgress,
  LocalBackendOptions,
  ModelDtype,
  TruncatedInput,
} from './local/local-backend-options.js';
export { isLoopbackHost } from './loopback-host.js';
export type {
  ApiParameter,
  EmbeddingTask,
  JinaClipModelId,
  ModelInfo,
} from './models/model-info.js';
export { DEFAULT_MODEL, getModelInfo, MODELS } from './models/models.js';
