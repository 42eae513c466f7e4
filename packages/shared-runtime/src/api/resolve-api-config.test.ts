import { availableParallelism } from 'node:os';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { IMAGE_SOURCE_DEFAULTS } from '../inputs/image-source-options.js';
import { MODELS } from '../models/models.js';
import type { ApiBackendOptions } from './api-backend-options.js';
import { resolveApiConfig } from './resolve-api-config.js';

describe('resolveApiConfig', () => {
  it('applies the documented defaults', () => {
    const config = resolveApiConfig();
    expect({
      ...config,
      explicitApiKey: config.explicitApiKey(),
      endpoint: config.endpoint.href,
    }).toEqual({
      model: MODELS['jina-clip-v1'],
      explicitApiKey: undefined,
      endpoint: 'https://api.jina.ai/v1/embeddings',
      batchSize: 32,
      maxConcurrency: 2,
      maxRetries: 2,
      timeout: 60_000,
      rateLimitTimeout: 300_000,
      maxResponseBytes: 67_108_864,
      normalized: true,
      resizeImages: true,
      imageWorkers: Math.max(0, availableParallelism() - 1),
      fetchImageUrls: false,
      headers: {},
      backoff: { initialDelayMs: 500, maxDelayMs: 8_000 },
      images: IMAGE_SOURCE_DEFAULTS,
    });
  });

  it('appends /embeddings to any base URL, with or without a trailing slash', () => {
    expect(resolveApiConfig({ baseURL: 'http://127.0.0.1:8080/jina/v1/' }).endpoint.href).toBe(
      'http://127.0.0.1:8080/jina/v1/embeddings',
    );
    expect(resolveApiConfig({ baseURL: 'https://fleet.internal' }).endpoint.href).toBe(
      'https://fleet.internal/embeddings',
    );
  });

  it('reads JINA_API_BASE_URL when baseURL is not given: option > environment > default', () => {
    vi.stubEnv('JINA_API_BASE_URL', 'https://gateway.internal:9000/jina/v1/');
    onTestFinished(() => {
      vi.unstubAllEnvs();
    });
    expect(resolveApiConfig().endpoint.href).toBe(
      'https://gateway.internal:9000/jina/v1/embeddings',
    );
    // Plain http: to a host that is not loopback is refused from the environment too, naming it.
    vi.stubEnv('JINA_API_BASE_URL', 'http://gateway.internal:9000/jina/v1/');
    expect(() => resolveApiConfig()).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', field: 'JINA_API_BASE_URL' }),
    );
    expect(resolveApiConfig({ allowInsecureHttp: true }).endpoint.href).toBe(
      'http://gateway.internal:9000/jina/v1/embeddings',
    );
    expect(resolveApiConfig({ baseURL: 'https://fleet.internal' }).endpoint.href).toBe(
      'https://fleet.internal/embeddings',
    );
    vi.stubEnv('JINA_API_BASE_URL', '');
    expect(resolveApiConfig().endpoint.href).toBe('https://api.jina.ai/v1/embeddings');
    vi.stubEnv('JINA_API_BASE_URL', 'ftp://gateway.internal');
    expect(() => resolveApiConfig()).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        field: 'JINA_API_BASE_URL',
        message: '`JINA_API_BASE_URL` must be an http(s) URL such as https://api.jina.ai/v1.',
      }),
    );
    // The option wins over a bad environment value.
    expect(resolveApiConfig({ baseURL: 'http://127.0.0.1:1/v1' }).endpoint.href).toBe(
      'http://127.0.0.1:1/v1/embeddings',
    );
  });

  it('keeps the key out of the config JSON', () => {
    const config = resolveApiConfig({ apiKey: 'jina_hidden_key' });
    expect(config.explicitApiKey()).toBe('jina_hidden_key');
    expect(JSON.stringify(config)).not.toContain('jina_hidden_key');
  });

  const invalid: Array<[string, ApiBackendOptions]> = [
    ['batchSize', { batchSize: 0 }],
    ['batchSize', { batchSize: 2049 }],
    ['batchSize', { batchSize: 1.5 }],
    ['batchSize', { batchSize: '4' as unknown as number }],
    ['maxConcurrency', { maxConcurrency: 0 }],
    ['maxRetries', { maxRetries: -1 }],
    ['maxRetries', { maxRetries: 21 }],
    ['timeout', { timeout: 0 }],
    ['timeout', { timeout: Number.POSITIVE_INFINITY }],
    ['normalized', { normalized: 'yes' as unknown as boolean }],
    ['resizeImages', { resizeImages: 1 as unknown as boolean }],
    ['fetchImageUrls', { fetchImageUrls: null as unknown as boolean }],
    ['baseURL', { baseURL: 'ftp://example.com' }],
    ['baseURL', { baseURL: 'not a url' }],
    ['headers', { headers: { Authorization: 'Bearer jina_in_header' } }],
    ['headers', { headers: { 'x-number': 5 as unknown as string } }],
    ['headers', { headers: { 'x-split': 'a\r\nx-injected: b' } }],
    ['headers', { headers: { 'bad name': 'x' } }],
    ['apiKey', { apiKey: '  ' }],
    ['backoff.initialDelayMs', { backoff: { initialDelayMs: -1 } }],
    ['backoff.maxDelayMs', { backoff: { initialDelayMs: 100, maxDelayMs: 10 } }],
    ['model', { model: 'jina-clip-v3' }],
  ];

  it.each(invalid)('rejects an invalid %s, naming it', (field, options) => {
    let error: unknown;
    try {
      resolveApiConfig(options);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
    expect((error as Error).message).not.toContain('jina_in_header');
  });

  it('accepts the range limits', () => {
    const config = resolveApiConfig({
      batchSize: 2048,
      maxConcurrency: 1,
      maxRetries: 0,
      timeout: 1,
    });
    expect([config.batchSize, config.maxConcurrency, config.maxRetries, config.timeout]).toEqual([
      2048, 1, 0, 1,
    ]);
  });
});

describe('resolveApiConfig: plain http', () => {
  it('refuses a plain http: baseURL to a host that is not loopback, unless allowInsecureHttp', () => {
    for (const baseURL of [
      'http://api.example.com/v1',
      'http://10.0.0.5:8080/v1',
      'http://localhost.evil.example/v1',
      'http://128.0.0.1/v1',
    ]) {
      let error: unknown;
      try {
        resolveApiConfig({ apiKey: 'jina_key', baseURL });
      } catch (thrown) {
        error = thrown;
      }
      expect(error, baseURL).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe('baseURL');
      expect((error as Error).message).toContain('allowInsecureHttp: true');
      expect(resolveApiConfig({ baseURL, allowInsecureHttp: true }).endpoint.protocol).toBe(
        'http:',
      );
    }
  });

  it('allows https: anywhere and plain http: to loopback hosts', () => {
    for (const baseURL of [
      'https://api.example.com/v1',
      'http://127.0.0.1:8080/v1',
      'http://127.8.9.10/v1',
      'http://localhost:3000/v1',
      'http://api.localhost/v1',
      'http://[::1]:8080/v1',
    ]) {
      expect(resolveApiConfig({ baseURL }).endpoint.href).toBe(`${baseURL}/embeddings`);
    }
    expect(() => resolveApiConfig({ allowInsecureHttp: 'yes' as never })).toThrow(
      InvalidInputError,
    );
  });
});
