import { ApiError } from '../errors/api-error.js';
import { ConnectionError } from '../errors/connection-error.js';
import { sleep } from './sleep.js';

/**
 * Server-given delays are honoured only above 0 and up to this (60 s), as openai-node honours
 * them; 0, a date in the past or anything longer gets the backoff instead (a `Retry-After: 0`
 * honoured literally made 1,700 requests in 3 s).
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Backoff between retries when the server gives no delay. */
export interface RetryBackoff {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * The one place that decides whether a failed attempt is tried again: on 408, 409, 429 and 5xx
 * answers and on connection failures (refused, reset, cut-off body, timeout). Never on other
 * statuses, invalid input, or a caller's abort.
 */
export function shouldRetry(error: unknown): boolean {
  if (ApiError.isInstance(error)) return error.retryable;
  return ConnectionError.isInstance(error);
}

/**
 * How long the server asked to wait, in milliseconds: `retry-after-ms`, else `Retry-After` as
 * seconds or an HTTP date. Undefined when the headers say nothing usable. Any non-negative value
 * is returned; {@link retryDelayMs} decides whether to honour it.
 */
export function parseRetryAfterMs(
  headers: Readonly<Record<string, string>>,
  now: number = Date.now(),
): number | undefined {
  const milliseconds = Number.parseFloat(headers['retry-after-ms'] ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const retryAfter = headers['retry-after']?.trim();
  if (retryAfter === undefined || retryAfter === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number.parseFloat(retryAfter) * 1000;
  // An HTTP date names its day and month; anything else (a negative number) means nothing.
  const date = /[a-z]/i.test(retryAfter) ? Date.parse(retryAfter) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The delay before retry number `retry` (0 for the first retry): the server's `retry-after-ms` /
 * `Retry-After` when it is above 0 and at most 60 s, else `initialDelayMs * 2^retry` capped at `maxDelayMs`,
 * shortened by up to 25 % of random jitter so that clients who failed together spread out.
 */
export function retryDelayMs(
  retry: number,
  error: unknown,
  backoff: RetryBackoff,
  random: () => number = Math.random,
): number {
  const headers = ApiError.isInstance(error) ? error.headers : {};
  const serverDelay = parseRetryAfterMs(headers);
  if (serverDelay !== undefined && serverDelay > 0 && serverDelay <= MAX_RETRY_AFTER_MS) {
    return serverDelay;
  }
  const delay = Math.min(backoff.initialDelayMs * 2 ** retry, backoff.maxDelayMs);
  return delay * (1 - random() * 0.25);
}

/** What {@link withRetries} needs besides the attempt. */
export interface RetryOptions {
  /**
   * Retries of failures other than 429 (and of 429s when `rateLimitTimeout` is 0). 0: no retry
   * at all, not of a 429 either (as in openai-node and the AI SDK).
   */
  maxRetries: number;
  backoff: RetryBackoff;
  /**
   * Milliseconds the attempts may keep being answered 429, counted from the first 429; within
   * it, 429s are retried without spending `maxRetries` (when it is above 0). 0: 429s count as
   * other failures.
   */
  rateLimitTimeout?: number;
  signal: AbortSignal;
}

/**
 * Runs `attempt` until it succeeds, fails with an error {@link shouldRetry} rejects, or
 * `maxRetries` retries are spent (so at most `maxRetries + 1` attempts), waiting
 * {@link retryDelayMs} between attempts. A 429 is bounded by time instead: retried as long as the
 * next attempt starts within `rateLimitTimeout` ms of the first 429, then thrown; with
 * `maxRetries: 0` nothing is retried, a 429 included. An abort of
 * `signal` (during an attempt or a wait) rejects at once with the signal's reason.
 */
export async function withRetries<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { signal, rateLimitTimeout = 0 } = options;
  let retry = 0;
  let rateLimited = 0;
  let firstRateLimitAt: number | undefined;
  for (;;) {
    signal.throwIfAborted();
    try {
      return await attempt(signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (!shouldRetry(error)) throw error;
      if (
        options.maxRetries > 0 &&
        rateLimitTimeout > 0 &&
        ApiError.isInstance(error) &&
        error.status === 429
      ) {
        firstRateLimitAt ??= Date.now();
        const delay = retryDelayMs(Math.min(rateLimited++, 30), error, options.backoff);
        if (Date.now() + delay - firstRateLimitAt > rateLimitTimeout) throw error;
        await sleep(delay, signal);
        continue;
      }
      if (retry >= options.maxRetries) throw error;
      await sleep(retryDelayMs(retry++, error, options.backoff), signal);
    }
  }
}
