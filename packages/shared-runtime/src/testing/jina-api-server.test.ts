import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64Float32 } from '../api/decode-embeddings.js';
import { MODELS } from '../models/models.js';
import { type JinaApiServer, startJinaApiServer } from './jina-api-server.js';
import { expectedServerEmbedding } from './jina-api-server-embedding.js';
import { readImageHeaderSize, textTokens } from './jina-api-server-usage.js';

let server: JinaApiServer;

beforeAll(async () => {
  server = await startJinaApiServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.reset();
  server.setLatency(0);
  server.setConcurrencyLimit(undefined);
});

interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are inspected field by field.
  body: any;
}

async function post(body: unknown, authorization: string | null = `Bearer ${server.apiKey}`) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== null) headers.authorization = authorization;
  const response = await fetch(`${server.url}/embeddings`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) } as Answer;
}

function norm(vector: Float32Array): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

function expectServiceError(answer: Answer, status: number, code: string, message: string) {
  expect(answer.status).toBe(status);
  expect(answer.body.code).toBe(code);
  expect(answer.body.request_id).toMatch(/^[0-9a-f]{32}$/);
  expect(answer.body.detail).toBe(`[RID: ${answer.body.request_id}] ${message}`);
}

async function imageBase64(width: number, height: number, format: 'png' | 'jpeg' | 'gif' | 'webp') {
  const bytes = await sharp({
    create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } },
  })
    .toFormat(format)
    .toBuffer();
  return bytes.toString('base64');
}

describe('startJinaApiServer: authentication', () => {
  it('answers 401 AUTH_MISSING_API_KEY without an authorization header', async () => {
    const answer = await post({ model: 'jina-clip-v1', input: ['a'] }, null);
    expectServiceError(answer, 401, 'AUTH_MISSING_API_KEY', 'Authentication required');
  });

  it('answers 401 AUTH_INVALID_API_KEY for a wrong key, and never echoes it', async () => {
    const answer = await post({ model: 'jina-clip-v1', input: ['a'] }, 'Bearer jina_wrong_key_42');
    expectServiceError(answer, 401, 'AUTH_INVALID_API_KEY', 'Invalid API key');
    expect(JSON.stringify(answer.body)).not.toContain('jina_wrong_key_42');
  });

  it('answers 401 AUTH_INVALID_FORMAT for a non-Bearer scheme', async () => {
    const answer = await post({ model: 'jina-clip-v1', input: ['a'] }, `Token ${server.apiKey}`);
    expectServiceError(answer, 401, 'AUTH_INVALID_FORMAT', 'Invalid authorization format');
  });

  it('records requests with the key redacted', async () => {
    await post({ model: 'jina-clip-v1', input: ['hello'] });
    expect(server.requests).toHaveLength(1);
    const [recorded] = server.requests;
    expect(recorded).toMatchObject({
      method: 'POST',
      path: '/v1/embeddings',
      body: { model: 'jina-clip-v1', input: ['hello'] },
      status: 200,
    });
    expect(recorded?.headers.authorization).toBe('Bearer [redacted]');
    expect(JSON.stringify(server.requests)).not.toContain(server.apiKey);
    expect(Math.abs((recorded?.time ?? 0) - Date.now())).toBeLessThan(5_000);
  });

  it('uses the apiKey it is given', async () => {
    const own = await startJinaApiServer({ apiKey: 'jina_given' });
    try {
      expect(own.apiKey).toBe('jina_given');
      expect(own.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    } finally {
      await own.close();
    }
  });
});

describe('startJinaApiServer: validation per model', () => {
  it('answers 400 INPUT_MODEL_NOT_FOUND for an unknown model', async () => {
    const answer = await post({ model: 'jina-clip-v9', input: ['a'] });
    expectServiceError(answer, 400, 'INPUT_MODEL_NOT_FOUND', "Model 'jina-clip-v9' not found");
  });

  it('answers 422 "Extra inputs are not permitted" for task and dimensions on jina-clip-v1', async () => {
    const answer = await post({
      model: 'jina-clip-v1',
      input: [{ text: 'a' }],
      normalized: true,
      embedding_type: 'float',
      task: 'retrieval.query',
      dimensions: 64,
    });
    expectServiceError(answer, 422, 'VALIDATION_ERROR', 'Validation errors in 2 fields');
    expect(answer.body.errors).toEqual([
      {
        field: 'body -> jina-clip-v1 -> task',
        message: 'Extra inputs are not permitted',
        type: 'extra_forbidden',
        input: 'retrieval.query',
      },
      {
        field: 'body -> jina-clip-v1 -> dimensions',
        message: 'Extra inputs are not permitted',
        type: 'extra_forbidden',
        input: 64,
      },
    ]);
  });

  it('accepts task and dimensions on jina-clip-v2 but rejects bad values', async () => {
    const answer = await post({
      model: 'jina-clip-v2',
      input: ['a'],
      task: 'classification',
      dimensions: 2048,
      embedding_type: 'binary',
      normalized: 'yes',
    });
    expect(answer.status).toBe(422);
    expect(
      answer.body.errors.map((error: { field: string; type: string }) => [error.field, error.type]),
    ).toEqual([
      ['body -> jina-clip-v2 -> normalized', 'bool_type'],
      ['body -> jina-clip-v2 -> embedding_type', 'enum'],
      ['body -> jina-clip-v2 -> dimensions', 'int_range'],
      ['body -> jina-clip-v2 -> task', 'enum'],
    ]);
  });

  it('answers 422 for a missing model, missing or empty input, bad items and invalid JSON', async () => {
    expect((await post({ input: ['a'] })).body.errors).toEqual([
      { field: 'body -> model', message: 'Field required', type: 'missing' },
    ]);
    expect((await post({ model: 'jina-clip-v1' })).body.errors).toEqual([
      { field: 'body -> jina-clip-v1 -> input', message: 'Field required', type: 'missing' },
    ]);
    expect((await post({ model: 'jina-clip-v1', input: [] })).body.errors[0].type).toBe(
      'too_short',
    );
    const items = await post({
      model: 'jina-clip-v1',
      input: [{ text: 'a', image: 'b' }, { text: '' }, 7],
    });
    expect(items.body.errors.map((error: { field: string }) => error.field)).toEqual([
      'body -> jina-clip-v1 -> input -> 0',
      'body -> jina-clip-v1 -> input -> 1 -> text',
      'body -> jina-clip-v1 -> input -> 2',
    ]);
    const json = await post('{"model": ');
    expect(json.status).toBe(422);
    expect(json.body.errors).toEqual([
      { field: 'body', message: 'JSON decode error', type: 'json_invalid' },
    ]);
  });

  it('answers 404 for another path', async () => {
    const response = await fetch(`${server.url}/rerank`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.apiKey}` },
      body: '{}',
    });
    expect(response.status).toBe(404);
  });
});

describe('startJinaApiServer: embeddings', () => {
  it('answers deterministic unit vectors in shuffled order, with index and usage', async () => {
    const texts = ['one', 'two words', 'three short words', 'four', 'five', 'six'];
    const answer = await post({
      model: 'jina-clip-v1',
      input: texts.map((text) => ({ text })),
      normalized: true,
      embedding_type: 'float',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ model: 'jina-clip-v1', object: 'list' });
    const indices = answer.body.data.map((item: { index: number }) => item.index);
    expect([...indices].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(indices).not.toEqual([0, 1, 2, 3, 4, 5]);
    for (const item of answer.body.data) {
      const vector = Float32Array.from(item.embedding as number[]);
      expect(item.object).toBe('embedding');
      expect(vector).toEqual(expectedServerEmbedding(texts[item.index]!, 'jina-clip-v1'));
      expect(vector).toHaveLength(768);
      expect(Math.abs(norm(vector) - 1)).toBeLessThan(1e-5);
    }
    const tokens = texts.reduce((sum, text) => sum + text.split(' ').length + 2, 0);
    expect(answer.body.usage).toEqual({ total_tokens: tokens, prompt_tokens: tokens });
  });

  it('answers the same vector for the same content whatever the batch', async () => {
    const alone = await post({
      model: 'jina-clip-v2',
      input: ['same'],
      embedding_type: 'base64',
      normalized: true,
    });
    const together = await post({
      model: 'jina-clip-v2',
      input: ['other', 'same', 'third'],
      embedding_type: 'base64',
      normalized: true,
    });
    const pick = (answer: Answer, index: number) =>
      decodeBase64Float32(
        answer.body.data.find((item: { index: number }) => item.index === index).embedding,
      );
    expect(pick(together, 1)).toEqual(pick(alone, 0));
    expect(pick(alone, 0)).toEqual(
      expectedServerEmbedding({ text: 'same' }, MODELS['jina-clip-v2']),
    );
  });

  it('truncates to dimensions then renormalises (Matryoshka)', async () => {
    const answer = await post({
      model: 'jina-clip-v2',
      input: ['matryoshka'],
      dimensions: 64,
      normalized: true,
      embedding_type: 'base64',
    });
    const vector = decodeBase64Float32(answer.body.data[0].embedding)!;
    expect(vector).toHaveLength(64);
    expect(vector).toEqual(expectedServerEmbedding('matryoshka', 'jina-clip-v2', 64));
    const full = expectedServerEmbedding('matryoshka', 'jina-clip-v2');
    const head = full.subarray(0, 64);
    const headNorm = norm(head);
    for (const [index, value] of vector.entries()) {
      expect(value).toBeCloseTo(head[index]! / headNorm, 6);
    }
  });

  it('honours normalized: false with a deterministic scale other than 1', async () => {
    const answer = await post({
      model: 'jina-clip-v1',
      input: ['raw'],
      normalized: false,
      embedding_type: 'float',
    });
    const vector = Float32Array.from(answer.body.data[0].embedding as number[]);
    expect(vector).toEqual(
      expectedServerEmbedding('raw', 'jina-clip-v1', undefined, { normalized: false }),
    );
    expect(norm(vector)).toBeGreaterThanOrEqual(1.5 - 1e-5);
    expect(norm(vector)).toBeLessThanOrEqual(2.5 + 1e-5);
    const unit = expectedServerEmbedding('raw', 'jina-clip-v1');
    expect(vector[0]! / norm(vector)).toBeCloseTo(unit[0]!, 6);
  });

  it('gives v2 text queries their own vectors and leaves images and v1 alone', async () => {
    const v2 = MODELS['jina-clip-v2'];
    const query = expectedServerEmbedding('cats', v2, undefined, { task: 'retrieval.query' });
    expect(query).not.toEqual(expectedServerEmbedding('cats', v2));
    expect(expectedServerEmbedding('cats', v2, undefined, { task: 'retrieval.passage' })).toEqual(
      expectedServerEmbedding('cats', v2),
    );
    const image = { image: 'https://example.com/cat.jpg' };
    expect(expectedServerEmbedding(image, v2, undefined, { task: 'retrieval.query' })).toEqual(
      expectedServerEmbedding(image, v2),
    );
    expect(expectedServerEmbedding({ text: 'x' }, v2)).not.toEqual(
      expectedServerEmbedding({ image: 'x' }, v2),
    );
    const answer = await post({
      model: 'jina-clip-v2',
      input: ['cats'],
      task: 'retrieval.query',
      embedding_type: 'float',
    });
    expect(Float32Array.from(answer.body.data[0].embedding as number[])).toEqual(
      expectedServerEmbedding('cats', v2, undefined, {
        task: 'retrieval.query',
        normalized: false,
      }),
    );
  });
});

describe('startJinaApiServer: usage', () => {
  it('counts text tokens as words plus two', () => {
    expect(textTokens('a photo of a cat')).toBe(7);
    expect(textTokens('  spaced   out  ')).toBe(4);
  });

  it('bills base64 images per tile of the decoded size: 224 px x 1000 (v1), 512 px x 4000 (v2)', async () => {
    const image = await imageBase64(600, 300, 'png');
    const v1 = await post({ model: 'jina-clip-v1', input: [{ image }], embedding_type: 'float' });
    expect(v1.body.usage.total_tokens).toBe(3 * 2 * 1000);
    const v2 = await post({ model: 'jina-clip-v2', input: [{ image }], embedding_type: 'float' });
    expect(v2.body.usage.total_tokens).toBe(2 * 1 * 4000);
    const small = await imageBase64(224, 224, 'jpeg');
    const one = await post({ model: 'jina-clip-v1', input: [{ image: small }, 'two words'] });
    expect(one.body.usage.total_tokens).toBe(1000 + 4);
  });

  it('never fetches an image URL and bills it one tile', async () => {
    let hits = 0;
    const imageHost = createServer((_request, response) => {
      hits++;
      response.end();
    });
    await new Promise<void>((resolve) => imageHost.listen(0, '127.0.0.1', resolve));
    const { port } = imageHost.address() as AddressInfo;
    try {
      const url = `http://127.0.0.1:${port}/cat.jpg`;
      const v1 = await post({ model: 'jina-clip-v1', input: [{ image: url }] });
      const v2 = await post({ model: 'jina-clip-v2', input: [{ image: url }] });
      expect(v1.body.usage.total_tokens).toBe(1000);
      expect(v2.body.usage.total_tokens).toBe(4000);
      expect(hits).toBe(0);
    } finally {
      await new Promise((resolve) => imageHost.close(resolve));
    }
  });

  it('answers 400 INPUT_INVALID_IMAGE for bytes that are not an image', async () => {
    const answer = await post({
      model: 'jina-clip-v1',
      input: ['text', { image: Buffer.from('not an image at all').toString('base64') }],
    });
    expectServiceError(
      answer,
      400,
      'INPUT_INVALID_IMAGE',
      'Input 1: the image could not be decoded',
    );
  });

  it('reads PNG, JPEG, GIF and WebP sizes from headers when sharp is absent', async () => {
    for (const format of ['png', 'jpeg', 'gif', 'webp'] as const) {
      const bytes = Buffer.from(await imageBase64(321, 123, format), 'base64');
      expect(readImageHeaderSize(bytes)).toEqual({ width: 321, height: 123 });
    }
    const lossless = await sharp({
      create: { width: 321, height: 123, channels: 3, background: '#336699' },
    })
      .webp({ lossless: true })
      .toBuffer();
    const withAlpha = await sharp({
      create: { width: 321, height: 123, channels: 4, background: '#33669980' },
    })
      .withExif({ IFD0: { Copyright: 'x' } })
      .webp()
      .toBuffer();
    expect(lossless.toString('ascii', 12, 16)).toBe('VP8L');
    expect(withAlpha.toString('ascii', 12, 16)).toBe('VP8X');
    expect(readImageHeaderSize(lossless)).toEqual({ width: 321, height: 123 });
    expect(readImageHeaderSize(withAlpha)).toEqual({ width: 321, height: 123 });
    expect(readImageHeaderSize(Buffer.from('plain text'))).toBeUndefined();
  });
});

describe('startJinaApiServer: faults and load', () => {
  const body = { model: 'jina-clip-v1', input: ['a'] };

  it('consumes scripted faults one per request, in order', async () => {
    server.fail(
      { status: 429, retryAfter: '1', retryAfterMs: '250' },
      { status: 503 },
      { status: 500, body: { detail: 'custom' }, headers: { 'x-request-id': 'abc' } },
    );
    const limited = await post(body);
    expectServiceError(
      limited,
      429,
      'RATE_LIMIT_EXCEEDED',
      'Rate limit exceeded: too many requests, retry later',
    );
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('retry-after-ms')).toBe('250');
    expectServiceError(await post(body), 503, 'SERVICE_UNAVAILABLE', 'Service Unavailable');
    const custom = await post(body);
    expect([custom.status, custom.body, custom.headers.get('x-request-id')]).toEqual([
      500,
      { detail: 'custom' },
      'abc',
    ]);
    expect((await post(body)).status).toBe(200);
    expect(server.requests.map((request) => request.status)).toEqual([429, 503, 500, 200]);
  });

  it('resets a connection, cuts a body, delays an answer', async () => {
    server.fail({ reset: true }, { truncate: true }, { delayMs: 150 });
    await expect(post(body)).rejects.toThrow();
    await expect(post(body)).rejects.toThrow();
    const started = Date.now();
    expect((await post(body)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(server.requests).toHaveLength(3);
  });

  it('counts requests in flight and their peak, with latency', async () => {
    server.setLatency(200);
    const pending = Promise.all([post(body), post(body), post(body)]);
    while (server.requests.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.inFlight).toBe(3);
    await pending;
    expect(server.inFlight).toBe(0);
    expect(server.peakInFlight).toBe(3);
  });

  it('answers 429 with Retry-After beyond the concurrency limit', async () => {
    server.setLatency(100);
    server.setConcurrencyLimit(1, 0);
    const answers = await Promise.all([post(body), post(body)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 429]);
    const limited = answers.find((answer) => answer.status === 429)!;
    expect(limited.headers.get('retry-after-ms')).toBe('0');
    expect(limited.headers.get('retry-after')).toBe('0');
  });
});

describe('startJinaApiServer: a bounded request log', () => {
  /** POSTs `input` texts of `size` characters each to `target`. */
  async function post(target: JinaApiServer, size: number, count = 1): Promise<void> {
    const response = await fetch(`${target.url}/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'jina-clip-v1',
        input: Array.from({ length: count }, () => ({ text: 'x'.repeat(size) })),
      }),
    });
    await response.arrayBuffer();
  }

  it('records no bodies with recordBodies: false, but their sizes', async () => {
    const quiet = await startJinaApiServer({ recordBodies: false });
    await post(quiet, 1000);
    await quiet.close();
    expect(quiet.requests).toHaveLength(1);
    expect(quiet.requests[0]).toMatchObject({ body: undefined, status: 200 });
    expect(quiet.requests[0]!.bodyBytes).toBeGreaterThan(1000);
  });

  it('drops the oldest bodies past maxRecordedBodyBytes, and the oldest records past maxRecordedRequests', async () => {
    const bounded = await startJinaApiServer({
      maxRecordedBodyBytes: 25_000,
      maxRecordedRequests: 5,
    });
    for (let index = 0; index < 8; index++) await post(bounded, 10_000);
    await bounded.close();
    expect(bounded.requests).toHaveLength(5);
    // Each body is about 10 kB: only the two newest fit in 25 kB.
    expect(bounded.requests.map((request) => request.body !== undefined)).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
    expect(bounded.requests.every((request) => request.bodyBytes > 10_000)).toBe(true);
  });

  it('keeps every body by default within 64 MiB', async () => {
    const open = await startJinaApiServer();
    for (let index = 0; index < 3; index++) await post(open, 100);
    await open.close();
    expect(open.requests.map((request) => request.body !== undefined)).toEqual([true, true, true]);
  });
});

describe('startJinaApiServer: an endless body', () => {
  it('streams a 200 body without end until the client goes', async () => {
    const endless = await startJinaApiServer();
    endless.fail({ endlessBody: true });
    const response = await fetch(`${endless.url}/embeddings`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBeNull();
    const reader = response.body!.getReader();
    let received = 0;
    while (received < 4 * 1024 * 1024) received += (await reader.read()).value!.byteLength;
    await reader.cancel();
    await endless.close();
    expect(received).toBeGreaterThanOrEqual(4 * 1024 * 1024);
  });
});
