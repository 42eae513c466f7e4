import type { JinaClipModelId, ModelInfo } from '../models/model-info.js';

/** Options of {@link createApiBackend}. */
export interface ApiBackendOptions {
  /** Model to embed with. @default 'jina-clip-v1' */
  model?: JinaClipModelId;
  /** Describes a model the table does not know (a compatible server's own). */
  modelInfo?: ModelInfo;
  /** Jina API key, read at the first request when not given. @default process.env.JINA_API_KEY */
  apiKey?: string;
  /** Base URL of the API; any server speaking the protocol works. @default 'https://api.jina.ai/v1' */
  baseURL?: string;
  /** Inputs per request. @default 32 */
  batchSize?: number;
  /** Requests in flight at once. @default 2 */
  maxConcurrency?: number;
  /** Retries after the first attempt (2 means at most 3 requests). @default 2 */
  maxRetries?: number;
  /** Milliseconds one attempt may take before it is abandoned (and retried). @default 60000 */
  timeout?: number;
  /** Ask for unit-length vectors. @default true */
  normalized?: boolean;
  /**
   * Resize and centre-crop local image bytes to the model's input (224 px v1, 512 px v2) before
   * upload, exactly as the model's preprocessing would, so one tile is billed. @default true
   */
  resizeImages?: boolean;
  /**
   * Worker threads that decode and resize images for upload (`resizeImages`), off the main
   * thread; `0` resizes inline. Threads start with the first image and end at `close()`.
   * @default max(1, availableParallelism() - 1)
   */
  imageWorkers?: number;
  /** Fetch `http(s)` image URLs client-side and send their bytes, instead of the URL. @default false */
  fetchImageUrls?: boolean;
  /** Extra headers sent with every request (they cannot replace `authorization` or `content-type`). */
  headers?: Record<string, string>;
  /**
   * Exponential backoff between retries when the server does not say how long to wait
   * (`retry-after-ms` / `Retry-After`): `initialDelayMs * 2^retry`, capped at `maxDelayMs`, minus
   * up to 25 % jitter.
   * @default { initialDelayMs: 500, maxDelayMs: 8000 }
   */
  backoff?: RetryBackoffOptions;
}

/** Delays between retries when the server gives none; see {@link ApiBackendOptions.backoff}. */
export interface RetryBackoffOptions {
  /** Delay before the first retry, in milliseconds. @default 500 */
  initialDelayMs?: number;
  /** Longest delay between two attempts, in milliseconds. @default 8000 */
  maxDelayMs?: number;
}
