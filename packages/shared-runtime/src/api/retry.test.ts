import { describe, expect, it } from 'vitest';
import {
  ApiError,
  AuthenticationError,
  ConnectionError,
  InvalidInputError,
  RateLimitError,
  TimeoutError,
} from '../errors/index.js';
import { parseRetryAfterMs, retryDelayMs, shouldRetry, withRetries } from './retry.js';

const backoff = { initialDelayMs: 500, maxDelayMs: 8_000 };

function apiError(status: number, headers: Record<string, string> = {}) {
  return new ApiError(`status ${status}`, { status, headers });
}

describe('shouldRetry', () => {
  it('retries 408, 409, 429 and 5xx answers', () => {
    for (const status of [408, 409, 429, 500, 502, 503, 504, 599]) {
      expect(shouldRetry(apiError(status))).toBe(true);
    }
    expect(shouldRetry(new RateLimitError('limited', { status: 429 }))).toBe(true);
  });

  it('does not retry other statuses, a missing key, invalid input or foreign errors', () => {
    for (const status of [400, 401, 403, 404, 413, 422])
      expect(shouldRetry(apiError(status))).toBe(false);
    expect(shouldRetry(new AuthenticationError('no key', { status: 0 }))).toBe(false);
    expect(shouldRetry(new InvalidInputError('bad'))).toBe(false);
    expect(shouldRetry(new Error('boom'))).toBe(false);
    expect(shouldRetry(new DOMException('aborted', 'AbortError'))).toBe(false);
  });

  it('retries connection failures and timeouts', () => {
    expect(shouldRetry(new ConnectionError('reset'))).toBe(true);
    expect(shouldRetry(new TimeoutError('slow', { timeoutMs: 5 }))).toBe(true);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');

  it('reads retry-after-ms first, then Retry-After seconds, then an HTTP date', () => {
    expect(parseRetryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' })).toBe(250);
    expect(parseRetryAfterMs({ 'retry-after': '2' })).toBe(2_000);
    expect(parseRetryAfterMs({ 'retry-after': '1.5' })).toBe(1_500);
    expect(parseRetryAfterMs({ 'retry-after': 'Fri, 27 Nov 2026 12:00:05 GMT' }, now)).toBe(5_000);
    expect(parseRetryAfterMs({ 'retry-after': 'Fri, 27 Nov 2026 11:00:00 GMT' }, now)).toBe(0);
  });

  it('is undefined when nothing usable is said', () => {
    expect(parseRetryAfterMs({})).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': 'soon' })).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after-ms': '-5' })).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': '-1' })).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  it('honours the server delay above 0 and up to 60 s exactly', () => {
    expect(retryDelayMs(0, apiError(429, { 'retry-after': '1' }), backoff)).toBe(1_000);
    expect(retryDelayMs(3, apiError(503, { 'retry-after-ms': '1' }), backoff)).toBe(1);
    expect(retryDelayMs(0, apiError(429, { 'retry-after': '60' }), backoff)).toBe(60_000);
  });

  it('backs off instead of honouring 0, a past date, a negative or an absurd delay', () => {
    const noJitter = () => 0;
    const cases: Record<string, string>[] = [
      { 'retry-after': '0' },
      { 'retry-after-ms': '0' },
      { 'retry-after-ms': '0', 'retry-after': '0' },
      { 'retry-after': '0.0' },
      { 'retry-after': 'Thu, 01 Jan 1970 00:00:00 GMT' },
      { 'retry-after-ms': '-5' },
      { 'retry-after': '-1' },
      { 'retry-after': '1e309' },
      { 'retry-after': '99999999999' },
      { 'retry-after-ms': 'Infinity' },
    ];
    for (const headers of cases) {
      expect(retryDelayMs(2, apiError(429, headers), backoff, noJitter)).toBe(2_000);
    }
  });

  it('backs off 0.5 s x 2^n capped at 8 s beyond 60 s or without a server delay', () => {
    const noJitter = () => 0;
    expect(
      [0, 1, 2, 3, 4, 5].map((retry) =>
        retryDelayMs(retry, new ConnectionError('x'), backoff, noJitter),
      ),
    ).toEqual([500, 1_000, 2_000, 4_000, 8_000, 8_000]);
    expect(retryDelayMs(0, apiError(429, { 'retry-after': '61' }), backoff, noJitter)).toBe(500);
  });

  it('takes off up to 25 % of jitter', () => {
    expect(retryDelayMs(1, apiError(500), backoff, () => 1)).toBe(750);
    for (let sample = 0; sample < 100; sample++) {
      const delay = retryDelayMs(2, apiError(502), backoff);
      expect(delay).toBeGreaterThan(1_500);
      expect(delay).toBeLessThanOrEqual(2_000);
    }
  });
});

describe('withRetries', () => {
  const fast = { initialDelayMs: 0, maxDelayMs: 0 };

  it('makes at most maxRetries + 1 attempts and throws the last error', async () => {
    let attempts = 0;
    const last = apiError(503);
    const run = withRetries(
      async () => {
        attempts++;
        throw attempts === 3 ? last : apiError(500);
      },
      { maxRetries: 2, backoff: fast, signal: new AbortController().signal },
    );
    await expect(run).rejects.toBe(last);
    expect(attempts).toBe(3);
  });

  it('retries nothing with maxRetries: 0, not a 429 either, whatever rateLimitTimeout says', async () => {
    for (const error of [apiError(429, { 'retry-after': '0' }), apiError(503), apiError(429)]) {
      let attempts = 0;
      const run = withRetries(
        async () => {
          attempts++;
          throw error;
        },
        {
          maxRetries: 0,
          rateLimitTimeout: 60_000,
          backoff: fast,
          signal: new AbortController().signal,
        },
      );
      await expect(run).rejects.toBe(error);
      expect(attempts).toBe(1);
    }
  });

  it('retries 429s past maxRetries within rateLimitTimeout when maxRetries is above 0', async () => {
    let attempts = 0;
    const result = await withRetries(
      async () => {
        attempts++;
        if (attempts < 5) throw apiError(429, { 'retry-after-ms': '1' });
        return 'ok';
      },
      {
        maxRetries: 1,
        rateLimitTimeout: 60_000,
        backoff: fast,
        signal: new AbortController().signal,
      },
    );
    expect([result, attempts]).toEqual(['ok', 5]);
  });

  it('stops at the first error not worth retrying', async () => {
    let attempts = 0;
    const run = withRetries(
      async () => {
        attempts++;
        throw apiError(422);
      },
      { maxRetries: 5, backoff: fast, signal: new AbortController().signal },
    );
    await expect(run).rejects.toMatchObject({ status: 422 });
    expect(attempts).toBe(1);
  });

  it('returns the first success', async () => {
    let attempts = 0;
    const result = await withRetries(
      async () => {
        attempts++;
        if (attempts < 3) throw new ConnectionError('reset');
        return 'ok';
      },
      { maxRetries: 2, backoff: fast, signal: new AbortController().signal },
    );
    expect([result, attempts]).toEqual(['ok', 3]);
  });

  it('rejects with the signal reason when aborted during a wait', async () => {
    const controller = new AbortController();
    const run = withRetries(
      async () => {
        throw apiError(429, { 'retry-after': '30' });
      },
      { maxRetries: 2, backoff: fast, signal: controller.signal },
    );
    setTimeout(() => controller.abort('enough'), 10);
    await expect(run).rejects.toBe('enough');
  });
});
