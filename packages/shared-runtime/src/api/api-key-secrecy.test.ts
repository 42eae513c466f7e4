import { Buffer } from 'node:buffer';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddingBackend } from '../embedding-backend.js';
import {
  ApiError,
  AuthenticationError,
  ConnectionError,
  InvalidInputError,
  RateLimitError,
  TimeoutError,
} from '../errors/index.js';
import type { ModelInfo } from '../models/model-info.js';
import { MODELS } from '../models/models.js';
import { type JinaApiServer, startJinaApiServer } from '../testing/jina-api-server.js';
import type { ApiBackendOptions } from './api-backend-options.js';
import { createApiBackend } from './create-api-backend.js';

/** A key no error, log or serialisation may ever show. */
const KEY = 'jina_CANARY_d3adb33f_secret_key';

let server: JinaApiServer;
let otherServer: JinaApiServer;

beforeAll(async () => {
  server = await startJinaApiServer({ apiKey: KEY });
  otherServer = await startJinaApiServer();
});
afterAll(async () => {
  await Promise.all([server.close(), otherServer.close()]);
});

function backend(options: ApiBackendOptions = {}): EmbeddingBackend {
  return createApiBackend({
    baseURL: server.url,
    apiKey: KEY,
    maxRetries: 0,
    backoff: { initialDelayMs: 0, maxDelayMs: 0 },
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Every way an error can be shown: message, JSON, inspect (hidden props too), and its causes. */
function renderings(error: unknown): string[] {
  const shown = [
    JSON.stringify(error),
    inspect(error, { depth: 10, showHidden: true }),
    String(error),
  ];
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    shown.push(cause.message, cause.stack ?? '', JSON.stringify(cause));
  }
  return shown;
}

const wrongV1: ModelInfo = {
  ...MODELS['jina-clip-v1'],
  apiParameters: ['normalized', 'embedding_type', 'dimensions'],
  matryoshkaDimensions: [64],
};

const scenarios: Array<[string, () => Promise<unknown>, abstract new (...args: never[]) => Error]> =
  [
    [
      'a 401 from a server with another key',
      () => rejection(backend({ baseURL: otherServer.url }).embed(['x'])),
      AuthenticationError,
    ],
    [
      'a 401 whose body and headers echo the key',
      () => {
        server.fail({
          status: 401,
          body: { detail: `Invalid API key ${KEY}`, code: KEY },
          headers: { 'x-echo': KEY },
        });
        return rejection(backend().embed(['x']));
      },
      AuthenticationError,
    ],
    [
      'a 429',
      () => {
        server.fail({ status: 429, retryAfter: '1' });
        return rejection(backend({ rateLimitTimeout: 0 }).embed(['x']));
      },
      RateLimitError,
    ],
    [
      'a 500 after retries',
      () => {
        server.fail({ status: 500 }, { status: 500 });
        return rejection(backend({ maxRetries: 1 }).embed(['x']));
      },
      ApiError,
    ],
    [
      'a 422',
      () => rejection(backend({ modelInfo: wrongV1 }).embed(['x'], { dimensions: 64 })),
      ApiError,
    ],
    [
      'an unusable 200',
      () => {
        server.fail({ status: 200, body: { data: [] } });
        return rejection(backend().embed(['x']));
      },
      ApiError,
    ],
    [
      'an unusable 200 whose headers echo the key',
      () => {
        server.fail({ status: 200, body: { data: [] }, headers: { 'x-echo': `key=${KEY}` } });
        return rejection(backend().embed(['x']));
      },
      ApiError,
    ],
    [
      'an all-zero 200 whose headers echo the key',
      () => {
        const zero = Buffer.alloc(768 * 4).toString('base64');
        server.fail({
          status: 200,
          body: { data: [{ index: 0, embedding: zero }], usage: { total_tokens: 1 } },
          headers: { 'x-echo': KEY },
        });
        return rejection(backend().embed(['x']));
      },
      ApiError,
    ],
    [
      'an over-cap 200 whose headers echo the key',
      () => {
        server.fail({ status: 200, body: 'x'.repeat(4096), headers: { 'x-echo': KEY } });
        return rejection(backend({ maxResponseBytes: 1024 }).embed(['x']));
      },
      ApiError,
    ],
    [
      'a reset connection',
      () => {
        server.fail({ reset: true });
        return rejection(backend().embed(['x']));
      },
      ConnectionError,
    ],
    [
      'a cut-off body',
      () => {
        server.fail({ truncate: true });
        return rejection(backend().embed(['x']));
      },
      ConnectionError,
    ],
    [
      'a refused connection',
      async () => {
        const closed = await startJinaApiServer();
        await closed.close();
        return rejection(backend({ baseURL: closed.url }).embed(['x']));
      },
      ConnectionError,
    ],
    [
      'a timeout',
      () => {
        server.fail({ delayMs: 500 });
        return rejection(backend({ timeout: 50 }).embed(['x']));
      },
      TimeoutError,
    ],
    [
      'a key that cannot go in a header',
      () => rejection(backend({ apiKey: `${KEY} extra` }).embed(['x'])),
      AuthenticationError,
    ],
    [
      'the key passed as a header',
      async () => {
        try {
          createApiBackend({ headers: { authorization: `Bearer ${KEY}` } });
        } catch (error) {
          return error;
        }
        throw new Error('expected a throw');
      },
      InvalidInputError,
    ],
  ];

describe('the API key never shows', () => {
  it.each(scenarios)('in the error of %s', async (_name, produce, errorClass) => {
    const error = await produce();
    expect(error).toBeInstanceOf(errorClass);
    for (const shown of renderings(error)) expect(shown).not.toContain(KEY);
    if (ApiError.isInstance(error) && error.headers['x-echo'] !== undefined) {
      expect(error.headers['x-echo']).toMatch(/^(key=)?\[redacted\]$/);
    }
  });

  it('in the backend object, nor in what the server records', async () => {
    const instance = backend();
    await instance.embed(['x']);
    expect(inspect(instance, { depth: 10, showHidden: true })).not.toContain(KEY);
    expect(JSON.stringify(instance)).not.toContain(KEY);
    expect(JSON.stringify(server.requests)).not.toContain(KEY);
    await instance.close();
  });
});
