/**
 * `jina-clip-runtime/local`: the model's ONNX export run in-process with onnxruntime-node.
 * @packageDocumentation
 */
export { createLocalBackend } from './local/create-local-backend.js';
export type {
  Device,
  DownloadProgress,
  LocalBackendOptions,
  ModelDtype,
  TruncatedInput,
} from './local/local-backend-options.js';
export { DTYPE_SUFFIXES } from './local/local-backend-options.js';
