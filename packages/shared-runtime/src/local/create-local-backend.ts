import type { EmbeddingBackend } from '../embedding-backend.js';
import type { LocalBackendOptions } from './local-backend-options.js';

/** Creates a backend that runs the model's ONNX export in-process. */
export function createLocalBackend(_options: LocalBackendOptions = {}): EmbeddingBackend {
  throw new Error('not implemented yet');
}
