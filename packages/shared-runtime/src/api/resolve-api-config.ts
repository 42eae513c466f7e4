import { InvalidInputError } from '../errors/invalid-input-error.js';
import { defaultImageWorkers, resolveImageWorkers } from '../images/image-workers-option.js';
import {
  type ImageSourceConfig,
  resolveImageSourceConfig,
} from '../inputs/image-source-options.js';
import { LOCAL_BACKEND_OPTION_NAMES } from '../local/local-backend-option-names.js';
import { isLoopbackHost } from '../loopback-host.js';
import type { ModelInfo } from '../models/model-info.js';
import { DEFAULT_MODEL, getModelInfo } from '../models/models.js';
import { ownOptions } from '../own-options.js';
import { rejectUnknownOptions } from '../reject-unknown-options.js';
import { API_BACKEND_OPTION_NAMES } from './api-backend-option-names.js';
import type { ApiBackendOptions } from './api-backend-options.js';

/** The default base URL of the hosted Jina Embeddings API. */
export const DEFAULT_BASE_URL = 'https://api.jina.ai/v1';

/** The environment variable read for the base URL when the `baseURL` option is not given. */
export const BASE_URL_VARIABLE = 'JINA_API_BASE_URL';

/** Defaults of {@link ApiBackendOptions}. */
export const API_DEFAULTS = {
  batchSize: 32,
  maxConcurrency: 2,
  maxRetries: 2,
  timeout: 60_000,
  rateLimitTimeout: 300_000,
  maxResponseBytes: 64 * 1024 * 1024,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
} as const;

/** Inclusive ranges of the integer options. */
const LIMITS = {
  // The service takes at most 2048 inputs per request.
  batchSize: [1, 2048],
  maxConcurrency: [1, 1024],
  maxRetries: [0, 20],
  // setTimeout's largest delay.
  timeout: [1, 2_147_483_647],
  rateLimitTimeout: [0, 2_147_483_647],
  // At least a small answer; at most 256 MiB, well below what one string can hold (512 MiB).
  maxResponseBytes: [1024, 268_435_456],
} as const;

/** RFC 9110 token characters, which a header name consists of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible characters, spaces and tabs: what a header value may hold (no line breaks). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Headers the backend sets itself and a caller's `headers` cannot replace. */
const RESERVED_HEADERS = ['authorization', 'content-type', 'content-length', 'host'] as const;

/** {@link ApiBackendOptions} with defaults applied and every value checked. */
export interface ApiConfig {
  readonly model: ModelInfo;
  /**
   * The key given in the options, behind a function so that neither `JSON.stringify` nor
   * `util.inspect` of the config can show it. `undefined`: read `JINA_API_KEY` at first request.
   */
  readonly explicitApiKey: () => string | undefined;
  /** `{baseURL}/embeddings`. */
  readonly endpoint: URL;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly maxRetries: number;
  readonly timeout: number;
  readonly rateLimitTimeout: number;
  readonly maxResponseBytes: number;
  readonly normalized: boolean;
  readonly resizeImages: boolean;
  /** Worker threads resizing images for upload (0: inline). */
  readonly imageWorkers: number;
  readonly fetchImageUrls: boolean;
  /** Caller headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly backoff: { readonly initialDelayMs: number; readonly maxDelayMs: number };
  /** Byte cap, download, path and pixel policy of image inputs. */
  readonly images: ImageSourceConfig;
}

function integerOption(name: keyof typeof LIMITS, value: unknown): number {
  const [min, max] = LIMITS[name];
  if (value === undefined) return API_DEFAULTS[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(
      `\`${name}\` must be an integer from ${min} to ${max}, got ${describeValue(value)}.`,
      { field: name },
    );
  }
  return value;
}

function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new InvalidInputError(`\`${name}\` must be a boolean, got ${describeValue(value)}.`, {
      field: name,
    });
  }
  return value;
}

function delayOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidInputError(
      `\`${name}\` must be a non-negative number of milliseconds, got ${describeValue(value)}.`,
      { field: name },
    );
  }
  return value;
}

function describeValue(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}

/** `{baseURL}/embeddings`, the base URL taken from the option, else the environment, else the default. */
function resolveEndpoint(baseURL: unknown, allowInsecureHttp: boolean): URL {
  const fromEnvironment =
    baseURL === undefined ? process.env[BASE_URL_VARIABLE] || undefined : undefined;
  const text = baseURL ?? fromEnvironment ?? DEFAULT_BASE_URL;
  let url: URL | undefined;
  try {
    url = typeof text === 'string' ? new URL(text) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const field = fromEnvironment === undefined ? 'baseURL' : BASE_URL_VARIABLE;
    throw new InvalidInputError(
      `\`${field}\` must be an http(s) URL such as https://api.jina.ai/v1.`,
      { field },
    );
  }
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    const field = fromEnvironment === undefined ? 'baseURL' : BASE_URL_VARIABLE;
    throw new InvalidInputError(
      `\`${field}\` is plain http: to ${url.hostname}, which would send the API key unencrypted: use https:, or set \`allowInsecureHttp: true\` if the network is trusted.`,
      { field },
    );
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/embeddings`;
  url.search = '';
  url.hash = '';
  return url;
}

/**
 * Checks caller headers (the backend's `headers` option, or one call's): an object of valid
 * names to single-line string values, none the backend sets itself. Returns them with names
 * lower-cased; throws {@link InvalidInputError} with `field: 'headers'`.
 */
export function resolveHeaders(headers: unknown): Record<string, string> {
  if (headers === undefined) return {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new InvalidInputError('`headers` must be an object of header names to string values.', {
      field: 'headers',
    });
  }
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) {
      throw new InvalidInputError(
        '`headers`: a header name holds characters HTTP does not allow.',
        {
          field: 'headers',
        },
      );
    }
    if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
      throw new InvalidInputError(
        `\`headers\`: the value of "${name}" must be a string without line breaks.`,
        { field: 'headers' },
      );
    }
    if ((RESERVED_HEADERS as readonly string[]).includes(lower)) {
      throw new InvalidInputError(
        `\`headers\` cannot set "${name}": the backend sets it (pass the key as \`apiKey\`).`,
        { field: 'headers' },
      );
    }
    resolved[lower] = value;
  }
  return resolved;
}

/**
 * Applies the defaults of {@link ApiBackendOptions} and validates every option, throwing
 * {@link InvalidInputError} with the offending `field` (and never the API key's value). An
 * option the api backend does not read (a local-backend option, a typo) is rejected, not ignored.
 */
export function resolveApiConfig(given: ApiBackendOptions = {}): ApiConfig {
  // Own properties only, each read once (see ownOptions).
  const options = rejectUnknownOptions(given, {
    owner: 'the api backend',
    names: API_BACKEND_OPTION_NAMES,
    other: { names: LOCAL_BACKEND_OPTION_NAMES, label: "createLocalBackend or `backend: 'local'`" },
  });
  const { apiKey } = options;
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey.trim() === '')) {
    throw new InvalidInputError('`apiKey` must be a non-empty string when given.', {
      field: 'apiKey',
    });
  }
  const backoff = ownOptions(options.backoff, '`backoff`', 'backoff');
  const initialDelayMs = delayOption(
    'backoff.initialDelayMs',
    backoff.initialDelayMs,
    API_DEFAULTS.initialDelayMs,
  );
  const maxDelayMs = delayOption('backoff.maxDelayMs', backoff.maxDelayMs, API_DEFAULTS.maxDelayMs);
  if (maxDelayMs < initialDelayMs) {
    throw new InvalidInputError('`backoff.maxDelayMs` must not be less than `initialDelayMs`.', {
      field: 'backoff.maxDelayMs',
    });
  }
  return {
    model: getModelInfo(options.model ?? DEFAULT_MODEL, options.modelInfo),
    explicitApiKey: () => apiKey,
    endpoint: resolveEndpoint(
      options.baseURL,
      booleanOption('allowInsecureHttp', options.allowInsecureHttp, false),
    ),
    batchSize: integerOption('batchSize', options.batchSize),
    maxConcurrency: integerOption('maxConcurrency', options.maxConcurrency),
    maxRetries: integerOption('maxRetries', options.maxRetries),
    timeout: integerOption('timeout', options.timeout),
    rateLimitTimeout: integerOption('rateLimitTimeout', options.rateLimitTimeout),
    maxResponseBytes: integerOption('maxResponseBytes', options.maxResponseBytes),
    normalized: booleanOption('normalized', options.normalized, true),
    resizeImages: booleanOption('resizeImages', options.resizeImages, true),
    // The main thread keeps the requests going; the other cores resize.
    imageWorkers: resolveImageWorkers(options.imageWorkers, defaultImageWorkers(1)),
    fetchImageUrls: booleanOption('fetchImageUrls', options.fetchImageUrls, false),
    headers: resolveHeaders(options.headers),
    backoff: { initialDelayMs, maxDelayMs },
    images: resolveImageSourceConfig(options),
  };
}
