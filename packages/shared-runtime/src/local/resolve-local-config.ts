import { API_BACKEND_OPTION_NAMES } from '../api/api-backend-option-names.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { defaultImageWorkers, resolveImageWorkers } from '../images/image-workers-option.js';
import {
  type ImageSourceConfig,
  resolveImageSourceConfig,
} from '../inputs/image-source-options.js';
import type { ModelInfo } from '../models/model-info.js';
import { DEFAULT_MODEL, getModelInfo } from '../models/models.js';
import { rejectUnknownOptions } from '../reject-unknown-options.js';
import { LOCAL_BACKEND_OPTION_NAMES } from './local-backend-option-names.js';
import {
  type Device,
  type DownloadProgress,
  DTYPE_SUFFIXES,
  type LocalBackendOptions,
  type ModelDtype,
  type TruncatedInput,
} from './local-backend-options.js';

/**
 * How a model's ONNX export is split: jina-clip-v1 ships a text and a vision graph, jina-clip-v2
 * one graph with both towers.
 */
export type GraphLayout = 'separate-towers' | 'combined';

/** {@link LocalBackendOptions} with defaults applied and every value checked. */
export interface LocalConfig {
  /** The model table's facts; the repository's own files refine them once loaded. */
  model: ModelInfo;
  layout: GraphLayout;
  repo: string;
  revision: string;
  dtype: ModelDtype;
  modelPath: string | undefined;
  /** Left undefined for the Hub download to apply HF_HUB_CACHE / HF_HOME. */
  cacheDir: string | undefined;
  /** Left undefined for the Hub download to apply HF_HUB_OFFLINE. */
  offline: boolean | undefined;
  /** Left undefined for the Hub download to apply HF_ENDPOINT. */
  endpoint: string | undefined;
  /** Left undefined for the Hub download to apply HF_HUB_ETAG_TIMEOUT. */
  hubMetadataTimeout: number | undefined;
  /** Left undefined for the Hub download to apply HF_HUB_DOWNLOAD_TIMEOUT. */
  hubDownloadTimeout: number | undefined;
  /** Left undefined for the Hub download to apply HF_TOKEN. Never printed. */
  hfToken: string | undefined;
  device: Device;
  threads: number | undefined;
  imageWorkers: number;
  exactImages: boolean;
  batchSize: number;
  normalized: boolean;
  onDownloadProgress: ((progress: DownloadProgress) => void) | undefined;
  onTruncation: ((truncated: readonly TruncatedInput[]) => void) | undefined;
  /** Byte cap, download, path and pixel policy of image inputs. */
  images: ImageSourceConfig;
  /** Leave onnxruntime's telemetry on (see `applyOnnxTelemetryPolicy`). */
  onnxTelemetry: boolean;
}

/** Graph layout of each model the local backend runs. */
const LAYOUTS: Readonly<Record<string, GraphLayout>> = {
  'jina-clip-v1': 'separate-towers',
  'jina-clip-v2': 'combined',
};

const DEVICES: readonly Device[] = ['cpu', 'cuda', 'auto'];

/** @default 16 */
export const DEFAULT_LOCAL_BATCH_SIZE = 16;

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new InvalidInputError(`\`${field}\` must be a non-empty string.`, { field });
  }
  return value;
}

function optionalPositiveInteger(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidInputError(`\`${field}\` must be a positive integer, got ${String(value)}.`, {
      field,
    });
  }
  return value;
}

function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') {
    throw new InvalidInputError(`\`${field}\` must be true or false, got ${String(value)}.`, {
      field,
    });
  }
  return value;
}

function optionalFunction<T>(value: T | undefined, field: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidInputError(`\`${field}\` must be a function.`, { field });
  }
  return value;
}

/**
 * Applies the defaults of {@link LocalBackendOptions} and validates every option, throwing
 * {@link InvalidInputError} with the offending `field`. Environment variables of the Hub
 * (HF_TOKEN, HF_HUB_OFFLINE, ...) are left to the download, which reads them when it runs.
 */
export function resolveLocalConfig(given: LocalBackendOptions = {}): LocalConfig {
  // Own properties only, each read once (see ownOptions).
  const options = rejectUnknownOptions(given, {
    owner: 'the local backend',
    names: LOCAL_BACKEND_OPTION_NAMES,
    other: { names: API_BACKEND_OPTION_NAMES, label: "createApiBackend or `backend: 'api'`" },
  });
  const modelId = options.model ?? DEFAULT_MODEL;
  const layout = LAYOUTS[modelId];
  if (layout === undefined) {
    throw new InvalidInputError(
      `The local backend runs ${Object.keys(LAYOUTS).join(' and ')}, not "${modelId}".`,
      { field: 'model' },
    );
  }
  const model = getModelInfo(modelId);
  const repo = optionalString(options.repo, 'repo') ?? model.repo;
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) {
    throw new InvalidInputError(`\`repo\` must look like "org/name", got "${repo}".`, {
      field: 'repo',
    });
  }
  const dtype = options.dtype ?? 'fp32';
  if (!Object.hasOwn(DTYPE_SUFFIXES, dtype)) {
    throw new InvalidInputError(
      `Unknown \`dtype\` "${String(dtype)}": use one of ${Object.keys(DTYPE_SUFFIXES).join(', ')}.`,
      { field: 'dtype' },
    );
  }
  const device = options.device ?? 'cpu';
  if (!DEVICES.includes(device)) {
    throw new InvalidInputError(
      `Unknown \`device\` "${String(device)}": use 'cpu', 'cuda' or 'auto'.`,
      { field: 'device' },
    );
  }
  const threads = optionalPositiveInteger(options.threads, 'threads');
  return {
    model,
    layout,
    repo,
    revision: optionalString(options.revision, 'revision') ?? 'main',
    dtype,
    modelPath: optionalString(options.modelPath, 'modelPath'),
    cacheDir: optionalString(options.cacheDir, 'cacheDir'),
    offline: optionalBoolean(options.offline, 'offline'),
    endpoint: optionalString(options.endpoint, 'endpoint'),
    hubMetadataTimeout: optionalPositiveInteger(options.hubMetadataTimeout, 'hubMetadataTimeout'),
    hubDownloadTimeout: optionalPositiveInteger(options.hubDownloadTimeout, 'hubDownloadTimeout'),
    hfToken: optionalString(options.hfToken, 'hfToken'),
    device,
    threads,
    imageWorkers: resolveImageWorkers(options.imageWorkers, defaultImageWorkers(threads)),
    exactImages: optionalBoolean(options.exactImages, 'exactImages') ?? false,
    batchSize: optionalPositiveInteger(options.batchSize, 'batchSize') ?? DEFAULT_LOCAL_BATCH_SIZE,
    normalized: optionalBoolean(options.normalized, 'normalized') ?? true,
    onDownloadProgress: optionalFunction(options.onDownloadProgress, 'onDownloadProgress'),
    onTruncation: optionalFunction(options.onTruncation, 'onTruncation'),
    images: resolveImageSourceConfig(options),
    onnxTelemetry: optionalBoolean(options.onnxTelemetry, 'onnxTelemetry') ?? false,
  };
}
