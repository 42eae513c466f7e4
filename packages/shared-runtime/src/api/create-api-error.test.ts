import { inspect } from 'node:util';
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
    expect(proxy.detail).toBe(`${html.slice(0, 300)}… (${html.length - 300} more characters)`);
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

  it('redacts a key echoed as a JSON object key, from util.inspect and JSON.stringify alike', () => {
    const secret = 'jina_0123456789abcdef';
    const error = createApiError(
      {
        status: 422,
        body: json({
          detail: 'bad',
          errors: [{ [secret]: 'is not a field', nested: { [secret]: secret } }],
        }),
        headers: { [`x-${secret}`]: 'echo' },
      },
      secret,
    );
    expect(inspect(error, { depth: 10 })).not.toContain(secret);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(secret);
    expect(error.errors).toEqual([
      { '[redacted]': 'is not a field', nested: { '[redacted]': '[redacted]' } },
    ]);
  });

  it('redacts a non-JSON body before cutting it, so no prefix of the key survives the cut', () => {
    const secret = 'jina_0123456789abcdef';
    // The key straddles character 300, where the detail is cut.
    const body = `${'x'.repeat(290)}${secret} more text after it`;
    const error = createApiError({ status: 502, body, headers: {} }, secret);
    for (const text of [error.message, error.detail ?? '', inspect(error)]) {
      expect(text).not.toContain('jina_0123');
      expect(text).toContain('[redacted]');
    }
  });

  it('bounds a huge detail, and escapes line breaks and ANSI escapes (no forged log lines)', () => {
    const huge = createApiError({
      status: 400,
      body: json({
        detail: 'y'.repeat(5_000_000),
        errors: Array(2_000).fill({ msg: 'z'.repeat(10_000) }),
      }),
      headers: {},
    });
    expect(huge.message.length).toBeLessThan(3_000);
    expect(huge.detail?.length).toBeLessThan(5_000);
    expect(JSON.stringify(huge.errors).length).toBeLessThan(30_000);
    const forged = createApiError({
      status: 400,
      body: json({
        detail: 'bad\r\n2026-01-01 INFO login ok \u001b[2K\u001b[1Aadmin\u2028',
        code: 'X\nY',
      }),
      headers: {},
    });
    expect(forged.message).toBe(
      'Jina API error 400 X\\nY: bad\\r\\n2026-01-01 INFO login ok \\x1b[2K\\x1b[1Aadmin\\u2028.',
    );
    for (const control of ['\r', '\n', '\u001b', '\u2028']) {
      expect(forged.message).not.toContain(control);
    }
  });

  it('takes credentials and signed queries out of URLs the server quotes', () => {
    const error = createApiError({
      status: 400,
      body: json({
        detail:
          'Could not fetch https://user:pa55@img.example/cat.png?X-Amz-Signature=abc123 nor http://[bad:ur l',
      }),
      headers: {},
    });
    expect(error.message).not.toContain('pa55');
    expect(error.message).not.toContain('abc123');
    expect(error.message).toContain('https://[redacted]@img.example/cat.png?[redacted]');
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
