import { IMAGE_SOURCE_OPTION_NAMES } from '../inputs/image-source-options.js';
import { optionNames } from '../option-names.js';
import type { ApiBackendOptions } from './api-backend-options.js';

/**
 * Every option of {@link ApiBackendOptions}, in the order of the README's table. The one list
 * that `createApiBackend` checks unknown options against and the adapters sort options by; it
 * fails to compile while an option of the interface is missing from it.
 */
export const API_BACKEND_OPTION_NAMES = optionNames<ApiBackendOptions>()([
  'model',
  'modelInfo',
  'apiKey',
  'baseURL',
  'allowInsecureHttp',
  'batchSize',
  'maxConcurrency',
  'maxRetries',
  'rateLimitTimeout',
  'timeout',
  'maxResponseBytes',
  'normalized',
  'resizeImages',
  'fetchImageUrls',
  'headers',
  'backoff',
  ...IMAGE_SOURCE_OPTION_NAMES,
  'imageWorkers',
]);
