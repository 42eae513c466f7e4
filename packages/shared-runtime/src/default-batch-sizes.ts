import { API_DEFAULTS } from './api/resolve-api-config.js';
import { DEFAULT_LOCAL_BATCH_SIZE } from './local/resolve-local-config.js';

/**
 * The `batchSize` each backend uses when none is given: inputs per API request (api) or per
 * inference batch (local). An adapter that batches on its framework's side (the AI SDK's
 * `maxEmbeddingsPerCall`) reads it here, so the two never drift apart.
 */
export const DEFAULT_BATCH_SIZES = {
  api: API_DEFAULTS.batchSize,
  local: DEFAULT_LOCAL_BATCH_SIZE,
} as const;
