import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmbeddingBackend } from '../embedding-backend.js';
import {
  ApiError,
  AuthenticationError,
  ConnectionError,
  InvalidInputError,
  JinaClipError,
  RateLimitError,
  TimeoutError,
} from '../errors/index.js';
import type { ModelInfo } from '../models/model-info.js';
import { MODELS } from '../models/models.js';
import { captureWarnings } from '../testing/capture-warnings.test-helper.js';
import { type JinaApiServer, startJinaApiServer } from '../testing/jina-api-server.js';
import { expectedServerEmbedding } from '../testing/jina-api-server-embedding.js';
import type { ApiBackendOptions } from './api-backend-options.js';
import { createApiBackend } from './create-api-backend.js';
import { USER_AGENT } from './user-agent.js';

let server: JinaApiServer;
const backends: EmbeddingBackend[] = [];
const savedKey = process.env.JINA_API_KEY;

beforeAll(async () => {
  server = await startJinaApiServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  delete process.env.JINA_API_KEY;
});
afterEach(async () => {
  await Promise.all(backends.splice(0).map((backend) => backend.close()));
  server.reset();
  server.setLatency(0);
  server.setConcurrencyLimit(undefined);
  if (savedKey === undefined) delete process.env.JINA_API_KEY;
  else process.env.JINA_API_KEY = savedKey;
});

/** A backend on the loopback server, with a tiny backoff so retry tests stay fast. */
function backend(options: ApiBackendOptions = {}): EmbeddingBackend {
  const created = createApiBackend({
    baseURL: server.url,
    apiKey: server.apiKey,
    backoff: { initialDelayMs: 1, maxDelayMs: 4 },
    ...options,
  });
  backends.push(created);
  return created;
}

function bodies() {
  return server.requests.map((request) => request.body);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const texts = (count: number) =>
  Array.from({ length: count }, (_, index) => `text number ${index}`);

describe('createApiBackend: the request on the wire', () => {
  it('sends jina-clip-v1 exactly model, input, normalized and base64: never task or dimensions', async () => {
    const v1 = backend({ model: 'jina-clip-v1' });
    await v1.embed(['a cat', { text: 'a dog' }], { task: 'retrieval.query' });
    await v1.embed(['a bird'], { task: 'retrieval.passage' });
    expect(bodies()).toStrictEqual([
      {
        model: 'jina-clip-v1',
        input: [{ text: 'a cat' }, { text: 'a dog' }],
        normalized: true,
        embedding_type: 'base64',
      },
      {
        model: 'jina-clip-v1',
        input: [{ text: 'a bird' }],
        normalized: true,
        embedding_type: 'base64',
      },
    ]);
  });

  it('sends jina-clip-v2 queries task retrieval.query, documents no task, dimensions when narrower', async () => {
    const v2 = backend({ model: 'jina-clip-v2', normalized: false });
    await v2.embed(['query'], { task: 'retrieval.query' });
    await v2.embed(['document'], { task: 'retrieval.passage' });
    await v2.embed(['document']);
    await v2.embed(['short'], { dimensions: 256, task: 'retrieval.query' });
    await v2.embed(['full'], { dimensions: 1024 });
    const base = { model: 'jina-clip-v2', normalized: false, embedding_type: 'base64' };
    expect(bodies()).toStrictEqual([
      { ...base, input: [{ text: 'query' }], task: 'retrieval.query' },
      { ...base, input: [{ text: 'document' }] },
      { ...base, input: [{ text: 'document' }] },
      { ...base, input: [{ text: 'short' }], dimensions: 256, task: 'retrieval.query' },
      { ...base, input: [{ text: 'full' }] },
    ]);
    expect(server.requests.map((request) => request.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it('posts to {baseURL}/embeddings with the key, JSON headers, a user-agent and extra headers', async () => {
    await backend({ baseURL: `${server.url}/`, headers: { 'X-Trace': 'abc' } }).embed(['hi']);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/embeddings');
    expect(request?.status).toBe(200);
    expect(request?.headers).toMatchObject({
      authorization: 'Bearer [redacted]',
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': USER_AGENT,
      'x-trace': 'abc',
    });
  });

  it('sends per-call headers over the backend headers and reports each response', async () => {
    const responses: { status: number; headers: Readonly<Record<string, string>> }[] = [];
    const api = backend({ headers: { 'X-Trace': 'backend', 'X-Team': 'a' }, batchSize: 1 });
    await api.embed(['one', 'two'], {
      headers: { 'X-Trace': 'call' },
      onResponse: (response) => responses.push(response),
    });
    await api.embed(['three']);
    expect(server.requests.map((request) => request.headers['x-trace'])).toEqual([
      'call',
      'call',
      'backend',
    ]);
    expect(server.requests.every((request) => request.headers['x-team'] === 'a')).toBe(true);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatchObject({
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  });

  it('rejects per-call headers it would have to drop, before any request', async () => {
    const api = backend();
    for (const headers of [{ Authorization: 'Bearer x' }, { 'x-a': 'line\nbreak' }, 'x']) {
      await expect(
        api.embed(['hi'], { headers: headers as unknown as Record<string, string> }),
      ).rejects.toMatchObject({ name: 'InvalidInputError', field: 'headers' });
    }
    await expect(
      api.embed(['hi'], { onResponse: 'log' as unknown as () => void }),
    ).rejects.toMatchObject({ name: 'InvalidInputError', field: 'onResponse' });
    expect(server.requests).toHaveLength(0);
  });

  it('serves many concurrent calls without a listener-leak warning', async () => {
    const api = backend();
    const warnings = await captureWarnings(() =>
      Promise.all(Array.from({ length: 30 }, (_, index) => api.embed([`text ${index}`]))),
    );
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
    expect(server.requests).toHaveLength(30);
  });

  it('names itself with the package version', () => {
    const { version } = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    );
    expect(USER_AGENT).toBe(`jina-clip-runtime/${version}`);
  });

  it('reuses one keep-alive connection across calls', async () => {
    const serial = backend({ maxConcurrency: 1 });
    for (let call = 0; call < 4; call++) await serial.embed([`call ${call}`]);
    const connections = new Set(server.requests.map((request) => request.connection));
    expect(connections.size).toBe(1);
  });
});

describe('createApiBackend: results', () => {
  it('returns the server vectors in input order whatever order the server answers in', async () => {
    const inputs = texts(10);
    const result = await backend({ batchSize: 3, maxConcurrency: 3 }).embed(inputs);
    expect(server.requests).toHaveLength(4);
    expect(bodies().map((body) => (body as { input: unknown[] }).input.length)).toEqual([
      3, 3, 3, 1,
    ]);
    expect(result.embeddings).toHaveLength(10);
    for (const [index, text] of inputs.entries()) {
      expect(result.embeddings[index]).toEqual(expectedServerEmbedding(text, 'jina-clip-v1'));
    }
    // "text number N": three words plus two, per input.
    expect(result.usage).toEqual({ totalTokens: 10 * 5 });
  });

  it('keeps the order through retries and failures of single batches', async () => {
    server.fail({ status: 503, retryAfterMs: '0' }, { reset: true }, { delayMs: 30 });
    const inputs = texts(6);
    const result = await backend({ batchSize: 2, maxConcurrency: 3 }).embed(inputs);
    expect(server.requests).toHaveLength(5);
    expect(result.embeddings).toEqual(
      inputs.map((text) => expectedServerEmbedding(text, 'jina-clip-v1')),
    );
  });

  it('returns unit vectors, narrower ones with dimensions, and raw ones with normalized: false', async () => {
    const v2 = backend({ model: 'jina-clip-v2' });
    const [unit] = (await v2.embed(['x'])).embeddings;
    const [narrow] = (await v2.embed(['x'], { dimensions: 64 })).embeddings;
    expect(unit).toHaveLength(1024);
    expect(narrow).toEqual(expectedServerEmbedding('x', 'jina-clip-v2', 64));
    for (const vector of [unit!, narrow!]) {
      expect(Math.abs(Math.hypot(...vector) - 1)).toBeLessThan(1e-5);
    }
    const [raw] = (await backend({ model: 'jina-clip-v2', normalized: false }).embed(['x']))
      .embeddings;
    expect(raw).toEqual(
      expectedServerEmbedding('x', 'jina-clip-v2', undefined, { normalized: false }),
    );
  });

  it('is batch invariant', async () => {
    const alone = await backend().embed(['the same text']);
    const mixed = await backend({ batchSize: 4 }).embed(['before', 'the same text', 'after']);
    expect(mixed.embeddings[1]).toEqual(alone.embeddings[0]);
  });

  it('accepts plain float arrays from a server not asked for base64', async () => {
    const floatModel: ModelInfo = { ...MODELS['jina-clip-v1'], apiParameters: ['normalized'] };
    const result = await backend({ modelInfo: floatModel }).embed(['plain floats']);
    expect(bodies()).toStrictEqual([
      { model: 'jina-clip-v1', input: [{ text: 'plain floats' }], normalized: true },
    ]);
    expect(result.embeddings[0]).toEqual(expectedServerEmbedding('plain floats', 'jina-clip-v1'));
  });

  it('normalises locally for a model that cannot be asked for unit vectors', async () => {
    const bare: ModelInfo = { ...MODELS['jina-clip-v1'], apiParameters: [] };
    const [vector] = (await backend({ modelInfo: bare }).embed(['raw'])).embeddings;
    expect(bodies()).toStrictEqual([{ model: 'jina-clip-v1', input: [{ text: 'raw' }] }]);
    const unit = expectedServerEmbedding('raw', 'jina-clip-v1');
    for (const [index, value] of vector!.entries()) expect(value).toBeCloseTo(unit[index]!, 6);
  });

  it('reports progress in inputs after each finished request', async () => {
    const calls: Array<[number, number]> = [];
    await backend({ batchSize: 2, maxConcurrency: 1 }).embed(texts(5), {
      onProgress: (done, total) => calls.push([done, total]),
    });
    expect(calls).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
  });

  it('resolves an empty input list without a request or a key', async () => {
    const keyless = createApiBackend({ baseURL: server.url });
    backends.push(keyless);
    expect(await keyless.embed([])).toEqual({ embeddings: [], usage: { totalTokens: 0 } });
    expect(server.requests).toHaveLength(0);
  });

  it('rejects an answer that does not cover every input exactly once', async () => {
    const vector = Buffer.from(new Float32Array(768).fill(0.5).buffer).toString('base64');
    server.fail({
      status: 200,
      body: {
        object: 'list',
        usage: { total_tokens: 1 },
        data: [
          { object: 'embedding', index: 0, embedding: vector },
          { object: 'embedding', index: 0, embedding: vector },
        ],
      },
    });
    const error = await rejection(backend({ maxRetries: 2 }).embed(['a', 'b']));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 200, code: 'INVALID_RESPONSE', retryable: false });
    expect((error as Error).message).toContain('input 0 was answered twice');
    expect(server.requests).toHaveLength(1);
  });
});

describe('createApiBackend: vectors that cannot be right', () => {
  it.each([
    ['all zeros', new Float32Array(768)],
    ['a NaN', new Float32Array(768).fill(0.5).fill(Number.NaN, 3, 4)],
  ])('refuses an answer with %s as INVALID_RESPONSE, not retried', async (_name, values) => {
    const vector = Buffer.from(values.buffer).toString('base64');
    server.fail({
      status: 200,
      body: { usage: { total_tokens: 1 }, data: [{ index: 0, embedding: vector }] },
    });
    const error = await rejection(backend({ maxRetries: 2 }).embed(['a']));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 200, code: 'INVALID_RESPONSE', retryable: false });
    expect(server.requests).toHaveLength(1);
  });
});

describe('createApiBackend: concurrency', () => {
  it('never has more than maxConcurrency requests in flight', async () => {
    server.setLatency(40);
    await backend({ batchSize: 1, maxConcurrency: 3 }).embed(texts(12));
    expect(server.requests).toHaveLength(12);
    expect(server.peakInFlight).toBe(3);
  });

  it('bounds in-flight requests across concurrent calls of one backend, 2 by default', async () => {
    server.setLatency(40);
    const shared = backend({ batchSize: 1 });
    const results = await Promise.all([
      shared.embed(texts(4)),
      shared.embed(texts(4)),
      shared.embed(['x']),
    ]);
    expect(server.peakInFlight).toBe(2);
    expect(results[2]?.embeddings[0]).toEqual(expectedServerEmbedding('x', 'jina-clip-v1'));
  });

  it('fails the whole call at the first failed batch and cancels the rest', async () => {
    server.setLatency(500);
    server.fail({ status: 400 });
    const started = performance.now();
    const error = await rejection(backend({ batchSize: 1, maxConcurrency: 2 }).embed(texts(4)));
    expect(error).toMatchObject({ name: 'ApiError', status: 400 });
    expect(performance.now() - started).toBeLessThan(400);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.inFlight).toBe(0);
    expect(server.requests).toHaveLength(2);
  });

  it('recovers from a server concurrency limit by retrying its 429s', async () => {
    server.setLatency(30);
    server.setConcurrencyLimit(2, 20);
    const result = await backend({ batchSize: 1, maxConcurrency: 4, maxRetries: 10 }).embed(
      texts(8),
    );
    expect(result.embeddings).toEqual(
      texts(8).map((text) => expectedServerEmbedding(text, 'jina-clip-v1')),
    );
    expect(server.requests.filter((request) => request.status === 429).length).toBeGreaterThan(0);
  });
});

describe('createApiBackend: retries', () => {
  it('retries a 429 with Retry-After: 1 after at least one second, then succeeds', async () => {
    server.fail({ status: 429, retryAfter: '1' });
    const result = await backend().embed(['patience']);
    expect(server.requests.map((request) => request.status)).toEqual([429, 200]);
    const [first, second] = server.requests;
    expect(second!.time - first!.time).toBeGreaterThanOrEqual(1000);
    expect(result.embeddings[0]).toEqual(expectedServerEmbedding('patience', 'jina-clip-v1'));
  });

  it('honours retry-after-ms over its own backoff', async () => {
    server.fail({ status: 429, retryAfterMs: '300', retryAfter: '30' });
    await backend({ backoff: { initialDelayMs: 20_000, maxDelayMs: 20_000 } }).embed(['x']);
    const [first, second] = server.requests;
    expect(second!.time - first!.time).toBeGreaterThanOrEqual(300);
    expect(second!.time - first!.time).toBeLessThan(10_000);
  });

  it('ignores a Retry-After beyond 60 s and backs off instead', async () => {
    server.fail({ status: 429, retryAfter: '120' });
    await backend().embed(['x']);
    const [first, second] = server.requests;
    expect(second!.time - first!.time).toBeLessThan(10_000);
  });

  it('retries 408, 409, 500, 502, 503, a reset connection and a cut-off body', async () => {
    server.fail(
      { status: 408 },
      { status: 409 },
      { status: 500 },
      { status: 502 },
      { status: 503 },
      { reset: true },
      { truncate: true },
    );
    const result = await backend({ maxRetries: 7 }).embed(['resilient']);
    expect(server.requests.map((request) => request.status)).toEqual([
      408,
      409,
      500,
      502,
      503,
      undefined,
      200,
      200,
    ]);
    expect(result.embeddings[0]).toEqual(expectedServerEmbedding('resilient', 'jina-clip-v1'));
  });

  it('treats a 2xx body that is not JSON as a cut connection: retried, then a ConnectionError', async () => {
    server.fail({ status: 200, body: '{"data": [' });
    expect((await backend().embed(['x'])).embeddings).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    server.fail({ status: 200, body: '{"data": [' });
    const error = await rejection(backend({ maxRetries: 0 }).embed(['x']));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain('cut off or is not JSON');
  });

  it('gives up after maxRetries retries with the typed error: exactly maxRetries + 1 requests', async () => {
    server.fail({ status: 503 }, { status: 503 }, { status: 503 });
    const error = await rejection(backend({ maxRetries: 2 }).embed(['x']));
    expect(server.requests).toHaveLength(3);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      name: 'ApiError',
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      retryable: true,
    });
    expect((error as ApiError).requestId).toMatch(/^[0-9a-f]{32}$/);
    expect((error as ApiError).detail).toBe(
      `[RID: ${(error as ApiError).requestId}] Service Unavailable`,
    );
  });

  it('with rateLimitTimeout 0, ends a run of 429s within maxRetries with a RateLimitError carrying retryAfterMs', async () => {
    server.fail({ status: 429, retryAfterMs: '5' }, { status: 429, retryAfterMs: '5' });
    const error = await rejection(backend({ maxRetries: 1, rateLimitTimeout: 0 }).embed(['x']));
    expect(server.requests).toHaveLength(2);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({
      status: 429,
      code: 'RATE_LIMIT_EXCEEDED',
      retryAfterMs: 5,
      retryable: true,
    });
  });

  it('ends a run of connection failures with a ConnectionError; maxRetries 0 sends once', async () => {
    server.fail({ reset: true });
    const error = await rejection(backend({ maxRetries: 0 }).embed(['x']));
    expect(server.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(ApiError);
    expect((error as Error).message).toContain(new URL(server.url).origin);
  });

  it('reports a refused connection as a ConnectionError with the socket code', async () => {
    const closed = await startJinaApiServer();
    await closed.close();
    const error = await rejection(backend({ baseURL: closed.url, maxRetries: 1 }).embed(['x']));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(((error as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('does not retry 400 or 422, and maps 422 errors[]', async () => {
    server.fail({ status: 400 });
    const badRequest = await rejection(backend().embed(['x']));
    expect(badRequest).toMatchObject({ name: 'ApiError', status: 400, retryable: false });
    expect(server.requests).toHaveLength(1);

    server.reset();
    // A model description claiming v1 takes tasks: the server's v1 schema answers 422.
    const wrong: ModelInfo = {
      ...MODELS['jina-clip-v1'],
      tasks: ['retrieval.query', 'retrieval.passage'],
      apiParameters: ['normalized', 'embedding_type', 'task'],
    };
    const error = await rejection(
      backend({ modelInfo: wrong }).embed(['x'], { task: 'retrieval.query' }),
    );
    expect(server.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError).toMatchObject({ status: 422, code: 'VALIDATION_ERROR', retryable: false });
    expect(apiError.detail).toBe(`[RID: ${apiError.requestId}] Validation errors in 1 fields`);
    expect(apiError.errors).toEqual([
      {
        field: 'body -> jina-clip-v1 -> task',
        message: 'Extra inputs are not permitted',
        type: 'extra_forbidden',
        input: 'retrieval.query',
      },
    ]);
    expect(apiError.message).toContain(
      'body -> jina-clip-v1 -> task: Extra inputs are not permitted',
    );
  });

  it('maps a wrong key to an AuthenticationError (401), not retried', async () => {
    const error = await rejection(backend({ apiKey: 'jina_not_the_key' }).embed(['x']));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'AUTH_INVALID_API_KEY', retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('reports an unknown model as the service does (400 INPUT_MODEL_NOT_FOUND)', async () => {
    const other: ModelInfo = { ...MODELS['jina-clip-v1'], id: 'jina-clip-v9' };
    const error = await rejection(backend({ modelInfo: other }).embed(['x']));
    expect(error).toMatchObject({ status: 400, code: 'INPUT_MODEL_NOT_FOUND' });
    expect((error as ApiError).detail).toContain("Model 'jina-clip-v9' not found");
  });
});

describe('createApiBackend: abort and timeout', () => {
  it('rejects within 50 ms with the signal reason while a request is in flight', async () => {
    server.setLatency(2_000);
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const pending = rejection(backend().embed(['slow'], { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.inFlight).toBe(1);
    const abortedAt = performance.now();
    controller.abort(reason);
    const error = await pending;
    expect(performance.now() - abortedAt).toBeLessThan(50);
    expect(error).toBe(reason);
    // The request itself was cancelled, not left running.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.inFlight).toBe(0);
  });

  it('rejects within 50 ms with the signal reason during a retry wait', async () => {
    server.fail({ status: 429, retryAfterMs: '30000' });
    const controller = new AbortController();
    const pending = rejection(backend().embed(['x'], { signal: controller.signal }));
    while (server.requests[0]?.status !== 429)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const abortedAt = performance.now();
    controller.abort('stop');
    expect(await pending).toBe('stop');
    expect(performance.now() - abortedAt).toBeLessThan(50);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects with the reason of an already aborted signal, sending nothing', async () => {
    const reason = new Error('too late');
    const error = await rejection(backend().embed(['x'], { signal: AbortSignal.abort(reason) }));
    expect(error).toBe(reason);
    expect(server.requests).toHaveLength(0);
  });

  it('abandons an attempt after timeout ms with a TimeoutError', async () => {
    server.fail({ delayMs: 1_000 });
    const error = await rejection(backend({ timeout: 100, maxRetries: 0 }).embed(['x']));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ name: 'TimeoutError', timeoutMs: 100 });
  });

  it('retries a timed-out attempt like a connection failure', async () => {
    server.fail({ delayMs: 1_000 });
    const result = await backend({ timeout: 200, maxRetries: 1 }).embed(['x']);
    expect(server.requests).toHaveLength(2);
    expect(result.embeddings[0]).toEqual(expectedServerEmbedding('x', 'jina-clip-v1'));
  });
});

describe('createApiBackend: the API key', () => {
  it('reads JINA_API_KEY at the first request, not at construction', async () => {
    const fromEnvironment = createApiBackend({ baseURL: server.url });
    backends.push(fromEnvironment);
    process.env.JINA_API_KEY = server.apiKey;
    const result = await fromEnvironment.embed(['x']);
    expect(result.embeddings).toHaveLength(1);
  });

  it('trims whitespace around a key (a newline pasted from a file)', async () => {
    process.env.JINA_API_KEY = `${server.apiKey}\n`;
    const fromEnvironment = createApiBackend({ baseURL: server.url });
    backends.push(fromEnvironment);
    expect((await fromEnvironment.embed(['x'])).embeddings).toHaveLength(1);
  });

  it('throws an AuthenticationError (status 0, nothing sent) that says how to set the key', async () => {
    const keyless = createApiBackend({ baseURL: server.url });
    backends.push(keyless);
    const error = await rejection(keyless.embed(['x']));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 0, retryable: false });
    expect((error as Error).message).toContain('`apiKey`');
    expect((error as Error).message).toContain('JINA_API_KEY');
    expect(server.requests).toHaveLength(0);
  });
});

describe('createApiBackend: validation before any request', () => {
  it('rejects bad inputs and options with InvalidInputError and sends nothing', async () => {
    const v1 = backend();
    await expect(v1.embed(['ok', '  '])).rejects.toMatchObject({
      name: 'InvalidInputError',
      inputIndex: 1,
    });
    await expect(v1.embed(['ok'], { dimensions: 64 })).rejects.toMatchObject({
      field: 'dimensions',
    });
    await expect(
      backend({ model: 'jina-clip-v2' }).embed(['ok'], { dimensions: 2048 }),
    ).rejects.toMatchObject({ field: 'dimensions' });
    await expect(
      v1.embed(['ok'], { task: 'classification' as 'retrieval.query' }),
    ).rejects.toMatchObject({ field: 'task' });
    await expect(
      v1.embed(['ok'], { onProgress: 5 as unknown as () => void }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(server.requests).toHaveLength(0);
  });

  it('validates options at construction, naming the field', () => {
    expect(() => createApiBackend({ batchSize: 0 })).toThrow(InvalidInputError);
    expect(() => createApiBackend({ model: 'jina-clip-v7' })).toThrow(/Unknown model/);
  });
});

describe('createApiBackend: close', () => {
  it('rejects calls after close', async () => {
    const closing = backend();
    await closing.embed(['x']);
    await closing.close();
    await closing.close();
    const error = await rejection(closing.embed(['x']));
    expect(JinaClipError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('closed');
  });
});
