import type { ImageSourceOptions } from '../inputs/image-source-options.js';
import type { JinaClipModelId, ModelInfo } from '../models/model-info.js';

/**
 * Options of {@link createApiBackend}. The image limits and policies ({@link ImageSourceOptions}:
 * `maxImageBytes`, `maxImagePixels`, `maxImageScans`, `maxImageFrames`, `maxImageAspectRatio`,
 * `imageDecodeTimeout`, `imageDownloadTimeout`, `maxRedirects`, `allowPrivateNetwork`,
 * `allowFilePaths`, `imageFileRoot`) apply to the images this backend
 * reads or downloads itself; a URL sent to the service as a URL is the service's to fetch.
 */
export interface ApiBackendOptions extends ImageSourceOptions {
  /** Model to embed with. @default 'jina-clip-v1' */
  model?: JinaClipModelId;
  /** Describes a model the table does not know (a compatible server's own). */
  modelInfo?: ModelInfo;
  /** Jina API key, read at the first request when not given. @default process.env.JINA_API_KEY */
  apiKey?: string;
  /**
   * Base URL of the API; any server speaking the protocol works (a proxy, a gateway, your own
   * fleet). When not given, `JINA_API_BASE_URL` from the environment (read when the backend is
   * created; empty counts as unset), else the hosted API.
   * @default process.env.JINA_API_BASE_URL, else 'https://api.jina.ai/v1'
   */
  baseURL?: string;
  /**
   * Send the API key over plain `http:` to a host that is not loopback. Without it such a
   * `baseURL` is refused with an `InvalidInputError` (RFC 6750, section 5.3: a bearer token goes
   * over TLS only); `http://localhost`, `127.0.0.0/8` and `[::1]` are always allowed.
   * @default false
   */
  allowInsecureHttp?: boolean;
  /** Inputs per request. @default 32 */
  batchSize?: number;
  /** Requests in flight at once. @default 2 */
  maxConcurrency?: number;
  /**
   * Retries after the first attempt (2 means at most 3 requests) for failures other than rate
   * limits: 408, 409, 5xx, connection failures and timeouts. A 429 does not spend these; see
   * {@link ApiBackendOptions.rateLimitTimeout}. `0` means no retry at all, of a 429 either (as
   * in openai-node and the AI SDK).
   * @default 2
   */
  maxRetries?: number;
  /**
   * Milliseconds a batch may keep being rate limited (429) before its call rejects with a
   * `RateLimitError`, counted from that batch's first 429. On each 429 the backend halves its own
   * concurrency (never below 1), waits as the server says (`retry-after-ms` / `Retry-After`, else
   * the backoff), and tries again; each success adds 1 back, up to `maxConcurrency`. `0` fails at
   * the first 429 that `maxRetries` does not cover. Applies only when `maxRetries` is above 0.
   * @default 300000 (5 minutes)
   */
  rateLimitTimeout?: number;
  /**
   * Largest response body, in bytes, read from the server; checked against `content-length` and
   * while the body arrives. Over it the call rejects with an `ApiError` of code
   * `RESPONSE_TOO_LARGE`, not retried. The default fits the largest legal answer (2048 inputs of
   * 1024 dimensions as JSON floats, about 46 MB) with headroom; base64 answers are 8x smaller.
   * @default 67108864 (64 MiB)
   */
  maxResponseBytes?: number;
  /** Milliseconds one attempt may take before it is abandoned (and retried). @default 60000 */
  timeout?: number;
  /** Ask for unit-length vectors. @default true */
  normalized?: boolean;
  /**
   * Send local image bytes resized and centre-cropped to the model's input (224 px v1, 512 px v2,
   * lossless WebP) when that bills fewer tiles or fewer bytes than the original, exactly as the
   * model's preprocessing would; never when the square holds more pixels than the original. When
   * false, originals go untouched. @default true
   */
  resizeImages?: boolean;
  /**
   * Worker threads that decode and resize images for upload (`resizeImages`), off the main
   * thread; `0` resizes inline. Threads start with the first image and end at `close()`.
   * sharp decodes on libuv's threadpool (`UV_THREADPOOL_SIZE`, 4 threads unless set), so at most
   * that many images decode at once: start Node.js with a larger one for more workers.
   * @default min(max(0, availableParallelism() - 1), UV_THREADPOOL_SIZE - 1)
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
