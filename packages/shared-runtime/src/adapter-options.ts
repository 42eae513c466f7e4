import type { ApiBackendOptions } from './api/api-backend-options.js';
import { createBackend } from './create-backend.js';
import { resolveEmbedOptions } from './embed-options.js';
import type { EmbeddingBackend } from './embedding-backend.js';
import { InvalidInputError } from './errors/invalid-input-error.js';
import type { LocalBackendOptions } from './local/local-backend-options.js';

/**
 * Which backend reads each option. Typed as a record of every option of both backends, so an
 * option added to either one must be placed here before this compiles.
 */
const OPTION_BACKENDS = {
  model: 'both',
  batchSize: 'both',
  normalized: 'both',
  modelInfo: 'api',
  apiKey: 'api',
  baseURL: 'api',
  maxConcurrency: 'api',
  maxRetries: 'api',
  timeout: 'api',
  resizeImages: 'api',
  fetchImageUrls: 'api',
  headers: 'api',
  backoff: 'api',
  repo: 'local',
  revision: 'local',
  dtype: 'local',
  modelPath: 'local',
  cacheDir: 'local',
  offline: 'local',
  device: 'local',
  threads: 'local',
  onDownloadProgress: 'local',
  hfToken: 'local',
  endpoint: 'local',
  onTruncation: 'local',
  onnxTelemetry: 'local',
} as const satisfies Record<keyof ApiBackendOptions | keyof LocalBackendOptions, string>;

type BackendOption = keyof typeof OPTION_BACKENDS;

/** The options read by `backend` ('api', 'local' or 'both'). */
function optionsOf(backend: 'api' | 'local' | 'both'): BackendOption[] {
  return (Object.keys(OPTION_BACKENDS) as BackendOption[]).filter(
    (name) => OPTION_BACKENDS[name] === backend,
  );
}

/**
 * Options of a framework adapter (`JinaClipEmbeddings`, `JinaClipEmbedding`): which backend,
 * that backend's own options, and what every call of the adapter asks for.
 */
export interface AdapterOptions
  extends Omit<ApiBackendOptions, 'batchSize'>,
    Omit<LocalBackendOptions, 'batchSize'> {
  /**
   * Where the vectors come from: `'api'` (the hosted Jina API or a server speaking its protocol),
   * `'local'` (the ONNX model in-process, loaded on first use), or your own backend, which the
   * adapter uses as it is and never closes.
   * @default 'api'
   */
  backend?: 'api' | 'local' | EmbeddingBackend;
  /** Inputs per API request (api) or per inference batch (local). @default 32 (api), 16 (local) */
  batchSize?: number;
  /** Matryoshka width every vector is truncated to, then renormalised (jina-clip-v2 only). @default the model's full width */
  dimensions?: number;
  /** Cancels every call of the adapter: they reject with the signal's own reason. */
  signal?: AbortSignal;
}

/** {@link AdapterOptions} resolved: the backend to call and what every call passes it. */
export interface AdapterConfig {
  /** The backend every call goes to. */
  backend: EmbeddingBackend;
  /** True when the adapter created the backend, and so closes it. */
  ownsBackend: boolean;
  /** The Matryoshka width to ask for, undefined for the full width. */
  dimensions: number | undefined;
  /** The signal every call is cancelled by. */
  signal: AbortSignal | undefined;
}

function isEmbeddingBackend(value: unknown): value is EmbeddingBackend {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as EmbeddingBackend).embed === 'function' &&
    typeof (value as EmbeddingBackend).close === 'function'
  );
}

/** Copies the options in `names` that are set. */
function pick(options: AdapterOptions, names: readonly BackendOption[]): AdapterOptions {
  const picked: Record<string, unknown> = {};
  for (const name of names) if (options[name] !== undefined) picked[name] = options[name];
  return picked as AdapterOptions;
}

/** Throws when an option of `names` is set: it belongs to another backend. */
function rejectOptions(
  options: AdapterOptions,
  names: readonly BackendOption[],
  reason: string,
): void {
  const field = names.find((name) => options[name] !== undefined);
  if (field !== undefined) {
    throw new InvalidInputError(`\`${field}\` ${reason}.`, { field });
  }
}

/**
 * Resolves an adapter's options: creates the api or local backend from its options (or takes
 * the given one), and checks that no option meant for another backend was set (a `modelPath`
 * without `backend: 'local'` is a mistake, not something to ignore). Throws
 * {@link InvalidInputError} naming the field.
 */
export function resolveAdapterOptions(options: AdapterOptions = {}): AdapterConfig {
  const { backend = 'api', dimensions, signal } = options;
  let config: AdapterConfig;
  if (isEmbeddingBackend(backend)) {
    const reason = 'configures a backend the adapter creates; configure your own backend instead';
    rejectOptions(options, Object.keys(OPTION_BACKENDS) as BackendOption[], reason);
    config = { backend, ownsBackend: false, dimensions, signal };
  } else if (backend === 'api') {
    rejectOptions(options, optionsOf('local'), "is a local-backend option: set `backend: 'local'`");
    const apiOptions = pick(options, [
      ...optionsOf('both'),
      ...optionsOf('api'),
    ]) as ApiBackendOptions;
    config = { backend: createBackend(apiOptions), ownsBackend: true, dimensions, signal };
  } else if (backend === 'local') {
    rejectOptions(options, optionsOf('api'), "is an api-backend option: set `backend: 'api'`");
    const localOptions = pick(options, [
      ...optionsOf('both'),
      ...optionsOf('local'),
    ]) as LocalBackendOptions;
    config = {
      backend: createBackend({ ...localOptions, backend: 'local' }),
      ownsBackend: true,
      dimensions,
      signal,
    };
  } else {
    throw new InvalidInputError(
      `\`backend\` must be 'api', 'local' or an EmbeddingBackend, got ${typeof backend === 'string' ? `"${backend}"` : typeof backend}.`,
      { field: 'backend' },
    );
  }
  // Checked now against the model's table entry, so a wrong width fails at construction; the
  // backend checks it again at each call against the loaded model.
  resolveEmbedOptions(config.backend.model, { dimensions });
  return config;
}
