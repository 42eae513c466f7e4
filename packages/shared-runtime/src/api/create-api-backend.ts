import type { EmbeddingBackend } from '../embedding-backend.js';
import type { ApiBackendOptions } from './api-backend-options.js';

/** Creates a backend that embeds with the hosted Jina Embeddings API. */
export function createApiBackend(_options: ApiBackendOptions = {}): EmbeddingBackend {
  throw new Error('not implemented yet');
}
