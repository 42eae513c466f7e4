import { IMAGE_SOURCE_OPTION_NAMES } from '../inputs/image-source-options.js';
import { optionNames } from '../option-names.js';
import type { LocalBackendOptions } from './local-backend-options.js';

/**
 * Every option of {@link LocalBackendOptions}, in the order of the README's table. The one list
 * that `createLocalBackend` checks unknown options against and the adapters sort options by; it
 * fails to compile while an option of the interface is missing from it.
 */
export const LOCAL_BACKEND_OPTION_NAMES = optionNames<LocalBackendOptions>()([
  'model',
  'repo',
  'revision',
  'dtype',
  'modelPath',
  'cacheDir',
  'offline',
  'endpoint',
  'hubMetadataTimeout',
  'hubDownloadTimeout',
  'hfToken',
  'device',
  'threads',
  'batchSize',
  'normalized',
  'onDownloadProgress',
  'onTruncation',
  ...IMAGE_SOURCE_OPTION_NAMES,
  'imageWorkers',
  'exactImages',
  'onnxTelemetry',
]);
