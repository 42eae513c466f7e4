import { describe, expect, it } from 'vitest';
import { ApiError, AuthenticationError, RateLimitError } from '../errors/index.js';
import { startJinaApiServer } from '../testing/jina-api-server.js';
import { createApiBackend } from './create-api-backend.js';
import { createApiError } from './create-api-error.js';

const json = (body: unknown) => JSON.stringify(body);

describe('createApiError', () => {
  it('maps 401 and 403 to AuthenticationError, 429 to RateLimitError, the rest to ApiError', () => {
    const unauthorized = createApiError({
      status: 401,
      body: json({ detail: 'Invalid API key', code: 'AUTH_INVALID_API_KEY' }),
      headers: {},
    });
    const forbidden = createApiError({
      status: 403,
      body: json({ detail: 'Insufficient account balance' }),
      headers: {},
    });
    const limited = createApiError({ status: 429, body: '', headers: { 'retry-after': '3' } });
    const failed = createApiError({ status: 500, body: '', headers: {} });
    expect(unauthorized).toBeInstanceOf(AuthenticationError);
    expect(unauthorized).toBeInstanceOf(ApiError);
    expect(forbidden).toBeInstanceOf(AuthenticationError);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).retryAfterMs).toBe(3_000);
    expect(failed).toBeInstanceOf(ApiError);
    expect(failed).not.toBeInstanceOf(RateLimitError);
    expect([unauthorized.retryable, limited.retryable, failed.retryable]).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('reads the service body { detail, code, request_id } into the fields and the message', () => {
    const error = createApiError({
      status: 400,
      body: json({
        detail: "[RID: 0a1b] Model 'x' not found",
        code: 'INPUT_MODEL_NOT_FOUND',
        request_id: '0a1b',
      }),
      headers: { 'content-type': 'application/json' },
    });
    expect(error).toMatchObject({
      name: 'ApiError',
      status: 400,
      code: 'INPUT_MODEL_NOT_FOUND',
      requestId: '0a1b',
      detail: "[RID: 0a1b] Model 'x' not found",
      headers: { 'content-type': 'application/json' },
    });
    expect(error.message).toBe(
      "Jina API error 400 INPUT_MODEL_NOT_FOUND: Model 'x' not found. Request id: 0a1b.",
    );
  });

  it('keeps a 422 errors[] and lists it in the message', () => {
    const errors = [
      {
        field: 'body -> jina-clip-v1 -> task',
        message: 'Extra inputs are not permitted',
        type: 'extra_forbidden',
        input: 'retrieval.query',
      },
    ];
    const error = createApiError({
      status: 422,
      body: json({ detail: '[RID: ff00] Validation errors in 1 fields', errors }),
      headers: {},
    });
    expect(error.errors).toEqual(errors);
    expect(error.requestId).toBe('ff00');
    expect(error.message).toBe(
      'Jina API error 422: Validation errors in 1 fields (body -> jina-clip-v1 -> task: Extra inputs are not permitted). Request id: ff00.',
    );
  });

  it("reads FastAPI's detail list", () => {
    const detail = [
      { loc: ['body', 'task'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' },
      {
        loc: ['body', 'dimensions'],
        msg: 'Extra inputs are not permitted',
        type: 'extra_forbidden',
      },
    ];
    const error = createApiError({
      status: 422,
      body: json({ detail }),
      headers: { 'x-request-id': 'hdr' },
    });
    expect(error.detail).toBe(
      'body -> task: Extra inputs are not permitted; body -> dimensions: Extra inputs are not permitted',
    );
    expect(error.errors).toEqual(detail);
    expect(error.requestId).toBe('hdr');
  });

  it('keeps the start of a non-JSON body and copes with an empty one', () => {
    const html = `<html>${'x'.repeat(1_000)}</html>`;
    const proxy = createApiError({ status: 502, body: html, headers: {} });
    expect(proxy.detail).toBe(html.slice(0, 300));
    const empty = createApiError({ status: 503, body: '', headers: {} });
    expect(empty.detail).toBeUndefined();
    expect(empty.message).toBe('Jina API error 503: no detail given.');
  });

  it('redacts the secret wherever a server echoes it', () => {
    const secret = 'jina_echo_me_123';
    const error = createApiError(
      {
        status: 401,
        body: json({
          detail: `bad key ${secret}`,
          code: secret,
          request_id: secret,
          errors: [{ input: secret }],
        }),
        headers: { 'x-echo': `Bearer ${secret}` },
      },
      secret,
    );
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(secret);
    expect(error.detail).toBe('bad key [redacted]');
    expect(error.headers['x-echo']).toBe('Bearer [redacted]');
  });

  it('names the request id once, though the service also writes it into `detail`', () => {
    const error = createApiError({
      status: 500,
      body: json({ detail: '[RID: 77aa] Internal error', request_id: '77aa' }),
      headers: { 'x-request-id': '77aa' },
    });
    expect(error.detail).toBe('[RID: 77aa] Internal error');
    expect(error.message).toBe('Jina API error 500: Internal error. Request id: 77aa.');
    expect(error.message.split('77aa')).toHaveLength(2);
  });

  it('names the URL a 404 came from (origin and path: no query string, never the key)', () => {
    const secret = 'jina_secret_key';
    const error = createApiError(
      {
        status: 404,
        body: json({ detail: 'Not Found' }),
        headers: {},
        url: `https://proxy.example/${secret}/embeddings?token=abc`,
      },
      secret,
    );
    expect(error.message).toBe(
      "Jina API error 404: Not Found. No embeddings endpoint at POST https://proxy.example/[redacted]/embeddings: check `baseURL` (the hosted API's is https://api.jina.ai/v1).",
    );
  });

  it('over HTTP: a baseURL without /v1 gets a 404 naming the URL called', async () => {
    const server = await startJinaApiServer();
    const baseURL = server.url.replace(/\/v1$/, '');
    const backend = createApiBackend({
      baseURL: `${baseURL}?team=a`,
      apiKey: server.apiKey,
      maxRetries: 0,
    });
    try {
      const error = await backend.embed(['hello']).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ApiError);
      const { message, status } = error as ApiError;
      expect(status).toBe(404);
      expect(message).toContain(
        `No embeddings endpoint at POST ${baseURL}/embeddings: check \`baseURL\``,
      );
      expect(message).not.toContain('?');
      expect(message).not.toContain(server.apiKey);
    } finally {
      await backend.close();
      await server.close();
    }
  });
});
