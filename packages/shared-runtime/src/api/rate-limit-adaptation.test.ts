import { describe, expect, it } from 'vitest';
import { RateLimitError } from '../errors/rate-limit-error.js';
import { expectedServerEmbedding } from '../testing/jina-api-server-embedding.js';
import { loopbackApiOptions } from '../testing/loopback-api-options.js';
import { useLoopbackApiServer } from '../testing/loopback-api-server.test-helper.js';
import { createApiBackend } from './create-api-backend.js';
import { createRequestLimiter } from './request-limiter.js';

const server = useLoopbackApiServer();

describe('createRequestLimiter: adaptive limit', () => {
  it('halves on a 429 once per overload, never below 1, and adds 1 per `limit` successes up to max', async () => {
    const limiter = createRequestLimiter(8);
    const slots = await Promise.all(Array.from({ length: 8 }, () => limiter.acquire()));
    // Eight requests of one burst answered 429: one halving, not eight.
    for (const release of slots) release('rate-limited');
    expect(limiter.limit).toBe(4);
    for (const expected of [2, 1, 1]) {
      (await limiter.acquire())('rate-limited');
      expect(limiter.limit).toBe(expected);
    }
    (await limiter.acquire())('success');
    expect(limiter.limit).toBe(2);
    (await limiter.acquire())('success');
    expect(limiter.limit).toBe(2);
    (await limiter.acquire())('success');
    expect(limiter.limit).toBe(3);
    for (let index = 0; index < 100; index++) (await limiter.acquire())('success');
    expect(limiter.limit).toBe(8);
  });

  it('holds waiters back while the limit is lower than the slots taken', async () => {
    const limiter = createRequestLimiter(4);
    const slots = await Promise.all(Array.from({ length: 4 }, () => limiter.acquire()));
    slots[0]!('rate-limited'); // limit 2, 3 still taken
    let granted = false;
    const waiting = limiter.acquire().then((release) => {
      granted = true;
      return release;
    });
    slots[1]!();
    await Promise.resolve();
    expect(granted).toBe(false); // 2 taken, limit 2
    slots[2]!();
    (await waiting)();
    expect(granted).toBe(true);
  });

  it('rejects waiters and later acquires with the close reason', async () => {
    const limiter = createRequestLimiter(1);
    await limiter.acquire();
    const waiting = limiter.acquire();
    const reason = new Error('closed');
    limiter.close(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(limiter.acquire()).rejects.toBe(reason);
  });
});

describe('createApiBackend: rate limits never lose a call', () => {
  it('embeds 1,000 texts with maxConcurrency 8 against a server() allowing 2, in order, converging to its limit', async () => {
    server().setLatency(5);
    server().setConcurrencyLimit(2, 10);
    const backend = createApiBackend({
      ...loopbackApiOptions(server()),
      batchSize: 8,
      maxConcurrency: 8,
      // 429s spend none of these (about a quarter of 125 batches see one, some several); the one
      // retry covers a keep-alive socket the server() closes just as it is reused on a busy machine.
      maxRetries: 1,
    });
    const texts = Array.from({ length: 1000 }, (_, index) => `text number ${index}`);
    const { embeddings } = await backend.embed(texts);
    expect(embeddings).toHaveLength(1000);
    for (const [index, text] of texts.entries()) {
      expect(embeddings[index]).toEqual(expectedServerEmbedding(text, 'jina-clip-v1'));
    }
    const first = server().requests.filter((request) => request.status === 429).length;
    // Learned: the next call of the same backend starts near the server()'s limit and so draws far
    // fewer 429s than the 125 batches, the requests in flight settling at about 2 (AIMD probes 3).
    server().reset();
    const again = await backend.embed(texts.slice(0, 400));
    expect(again.embeddings[399]).toEqual(expectedServerEmbedding(texts[399]!, 'jina-clip-v1'));
    const rateLimited = server().requests.filter((request) => request.status === 429).length;
    expect(server().peakInFlight).toBeLessThanOrEqual(5);
    expect(rateLimited).toBeLessThan(25);
    expect(first).toBeGreaterThan(0);
    await backend.close();
  }, 60_000);

  it('shares what it learned across concurrent calls of one backend', async () => {
    server().setLatency(5);
    server().setConcurrencyLimit(2, 10);
    const backend = createApiBackend({
      ...loopbackApiOptions(server()),
      batchSize: 4,
      maxConcurrency: 8,
      maxRetries: 1,
    });
    const calls = Array.from({ length: 4 }, (_, call) =>
      backend.embed(Array.from({ length: 40 }, (_, index) => `call ${call} text ${index}`)),
    );
    const results = await Promise.all(calls);
    expect(results.map((result) => result.embeddings.length)).toEqual([40, 40, 40, 40]);
    await backend.close();
  }, 60_000);

  it('rejects with RateLimitError once a batch has been rate limited for rateLimitTimeout ms', async () => {
    server().setConcurrencyLimit(0, 20);
    const backend = createApiBackend({
      ...loopbackApiOptions(server()),
      maxRetries: 1,
      rateLimitTimeout: 200,
    });
    const started = Date.now();
    const error = await backend.embed(['x']).catch((thrown: unknown) => thrown);
    const elapsed = Date.now() - started;
    await backend.close();
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 20 });
    expect(elapsed).toBeGreaterThanOrEqual(180);
    // About 200 / 20 attempts: bounded by time, not by maxRetries (1).
    expect(server().requests.length).toBeGreaterThan(3);
  });

  it('backs off on a storm of 429s with Retry-After: 0 instead of hammering the server', async () => {
    // Every request is answered 429 with `Retry-After: 0` and `retry-after-ms: 0`.
    server().setConcurrencyLimit(0, 0);
    const backend = createApiBackend({
      ...loopbackApiOptions(server()),
      backoff: { initialDelayMs: 50, maxDelayMs: 200 },
      rateLimitTimeout: 1_000,
    });
    const error = await backend.embed(['x']).catch((thrown: unknown) => thrown);
    await backend.close();
    expect(error).toBeInstanceOf(RateLimitError);
    // Honoured literally, 0 ms made thousands of requests in the second; the backoff
    // (50, 100, 200, 200 ... ms, less up to 25 % of jitter) makes at most about 10.
    expect(server().requests.length).toBeGreaterThan(2);
    expect(server().requests.length).toBeLessThanOrEqual(15);
  });
});
