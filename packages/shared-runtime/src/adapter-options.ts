import { API_BACKEND_OPTION_NAMES } from './api/api-backend-option-names.js';
import type { ApiBackendOptions } from './api/api-backend-options.js';
import type { ApiOnlyOptions, Forbidden, LocalOnlyOptions } from './backend-options.js';
import { createBackend } from './create-backend.js';
import { resolveEmbedOptions } from './embed-options.js';
import type { EmbeddingBackend } from './embedding-backend.js';
import { InvalidInputError } from './errors/invalid-input-error.js';
import { LOCAL_BACKEND_OPTION_NAMES } from './local/local-backend-option-names.js';
import type { LocalBackendOptions } from './local/local-backend-options.js';
import { ownOptions } from './own-options.js';

type BackendOption = keyof ApiBackendOptions | keyof LocalBackendOptions;

/**
 * Which backend reads each option: derived from the one list of each backend's options (which
 * `createApiBackend` and `createLocalBackend` check unknown options against too).
 */
const OPTION_BACKENDS = Object.fromEntries(
  [...new Set<BackendOption>([...API_BACKEND_OPTION_NAMES, ...LOCAL_BACKEND_OPTION_NAMES])].map(
    (name) => {
      const api = (API_BACKEND_OPTION_NAMES as readonly string[]).includes(name);
      const local = (LOCAL_BACKEND_OPTION_NAMES as readonly string[]).includes(name);
      return [name, api && local ? 'both' : api ? 'api' : 'local'];
    },
  ),
) as Record<BackendOption, 'api' | 'local' | 'both'>;

/** The options read by `backend` ('api', 'local' or 'both'). */
function optionsOf(backend: 'api' | 'local' | 'both'): BackendOption[] {
  return (Object.keys(OPTION_BACKENDS) as BackendOption[]).filter(
    (name) => OPTION_BACKENDS[name] === backend,
  );
}

/** The token usage of one adapter call, as the backend reported it. */
export interface AdapterUsage {
  /** Tokens the call was billed for (api) or ran through the model (local). */
  totalTokens: number;
}

/** What every call of an adapter asks for, whichever backend serves it. */
export interface AdapterCallOptions {
  /** Inputs per API request (api) or per inference batch (local). @default 32 (api), 16 (local) */
  batchSize?: number;
  /**
   * Matryoshka width every vector is truncated to, then renormalised: one of the model's
   * `matryoshkaDimensions` (jina-clip-v2: 32, 64, 128, 256, 512, 768 or 1024; jina-clip-v1 has
   * none and rejects the option).
   * @default the model's full width
   */
  dimensions?: number;
  /** Cancels every call of the adapter: they reject with the signal's own reason. */
  signal?: AbortSignal;
  /**
   * Called once after each successful call of the adapter (one `embedDocuments`, one
   * `getTextEmbeddings`, ...) with the tokens it used, as the Vercel AI SDK's `embedMany`
   * returns `usage`. A call that fails reports nothing.
   */
  onUsage?: (usage: AdapterUsage) => void;
}

/** Adapter options for the api backend (`backend: 'api'`, the default). */
export type AdapterApiOptions = AdapterCallOptions & {
  /**
   * The hosted Jina API or a server speaking its protocol.
   * @default 'api'
   */
  backend?: 'api';
} & Omit<ApiBackendOptions, 'batchSize'> &
  Forbidden<LocalOnlyOptions>;

/** Adapter options for the local backend (`backend: 'local'`). */
export type AdapterLocalOptions = AdapterCallOptions & {
  /** The ONNX model in-process, loaded on first use. */
  backend: 'local';
} & Omit<LocalBackendOptions, 'batchSize'> &
  Forbidden<ApiOnlyOptions>;

/** Adapter options with a backend of your own, which configures itself. */
export type AdapterOwnBackendOptions = Omit<AdapterCallOptions, 'batchSize'> & {
  /** Your own backend: the adapter uses it as it is and never closes it. */
  backend: EmbeddingBackend;
} & Forbidden<ApiBackendOptions & LocalBackendOptions>;

/**
 * Options of a framework adapter (`JinaClipEmbeddings`, `JinaClipEmbedding`): which backend,
 * that backend's own options, and what every call of the adapter asks for. A discriminated
 * union on `backend`: TypeScript rejects an option of another backend (`modelPath` without
 * `backend: 'local'`); {@link resolveAdapterOptions} rejects it at run time for JavaScript.
 */
export type AdapterOptions = AdapterApiOptions | AdapterLocalOptions | AdapterOwnBackendOptions;

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
  /** The usage callback, undefined when none was given. */
  onUsage: ((usage: AdapterUsage) => void) | undefined;
}

function isEmbeddingBackend(value: unknown): value is EmbeddingBackend {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as EmbeddingBackend).embed === 'function' &&
    typeof (value as EmbeddingBackend).close === 'function'
  );
}

/** The options as JavaScript may pass them: any field, any value. */
type OptionRecord = Readonly<Record<string, unknown>>;

/** Copies the options in `names` that are set. */
function pick(options: OptionRecord, names: readonly BackendOption[]): OptionRecord {
  const picked: Record<string, unknown> = {};
  for (const name of names) if (options[name] !== undefined) picked[name] = options[name];
  return picked;
}

/** Throws when an option of `names` is set: it belongs to another backend. */
function rejectOptions(
  options: OptionRecord,
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
export function resolveAdapterOptions(given: AdapterOptions = {}): AdapterConfig {
  // Own properties only, each read once (see ownOptions).
  const options = ownOptions(given, 'the adapter');
  const { backend = 'api', dimensions, signal, onUsage } = options;
  // Checked as JavaScript would pass them: the types keep TypeScript callers from most of this.
  const fields = options as OptionRecord;
  if (onUsage !== undefined && typeof onUsage !== 'function') {
    throw new InvalidInputError(`\`onUsage\` must be a function, got ${typeof onUsage}.`, {
      field: 'onUsage',
    });
  }
  const calls = { dimensions, signal, onUsage };
  let config: AdapterConfig;
  if (isEmbeddingBackend(backend)) {
    const reason = 'configures a backend the adapter creates; configure your own backend instead';
    rejectOptions(fields, Object.keys(OPTION_BACKENDS) as BackendOption[], reason);
    config = { backend, ownsBackend: false, ...calls };
  } else if (backend === 'api') {
    rejectOptions(fields, optionsOf('local'), "is a local-backend option: set `backend: 'local'`");
    const apiOptions = pick(fields, [...optionsOf('both'), ...optionsOf('api')]);
    config = {
      backend: createBackend(apiOptions as ApiBackendOptions),
      ownsBackend: true,
      ...calls,
    };
  } else if (backend === 'local') {
    rejectOptions(fields, optionsOf('api'), "is an api-backend option: set `backend: 'api'`");
    const localOptions = pick(fields, [...optionsOf('both'), ...optionsOf('local')]);
    config = {
      backend: createBackend({ ...(localOptions as LocalBackendOptions), backend: 'local' }),
      ownsBackend: true,
      ...calls,
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
