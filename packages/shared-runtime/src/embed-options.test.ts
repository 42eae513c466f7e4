import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApiBackend } from './api/create-api-backend.js';
import { checkEmbedOptions, resolveEmbedOptions } from './embed-options.js';
import type { EmbedOptions } from './embedding-backend.js';
import { InvalidInputError } from './errors/invalid-input-error.js';
import { createLocalBackend } from './local/create-local-backend.js';
import { MODELS } from './models/models.js';
import { startJinaApiServer } from './testing/jina-api-server.js';
import { loopbackApiOptions } from './testing/loopback-api-options.js';

const v1 = MODELS['jina-clip-v1'];
const v2 = MODELS['jina-clip-v2'];

describe('resolveEmbedOptions', () => {
  it('keeps the query task only for models that have tasks', () => {
    expect(resolveEmbedOptions(v2, { task: 'retrieval.query' })).toEqual({
      task: 'retrieval.query',
      dimensions: undefined,
    });
    expect(resolveEmbedOptions(v2, { task: 'retrieval.passage' })).toEqual({
      task: undefined,
      dimensions: undefined,
    });
    expect(resolveEmbedOptions(v1, { task: 'retrieval.query' })).toEqual({
      task: undefined,
      dimensions: undefined,
    });
  });

  it('checks dimensions against the model and the available width', () => {
    expect(resolveEmbedOptions(v2, { dimensions: 256 })).toEqual({
      task: undefined,
      dimensions: 256,
    });
    expect(resolveEmbedOptions(v2, { dimensions: 1024 }).dimensions).toBeUndefined();
    expect(() => resolveEmbedOptions(v2, { dimensions: 2048 })).toThrow(
      new InvalidInputError(
        '`dimensions` must be one of 32, 64, 128, 256, 512, 768, 1024 for jina-clip-v2 (its Matryoshka widths), got 2048.',
        {
          field: 'dimensions',
        },
      ),
    );
    expect(() => resolveEmbedOptions(v2, { dimensions: 100 })).toThrow(/got 100\.$/);
    // Only the widths the loaded graph has are offered.
    expect(() => resolveEmbedOptions(v2, { dimensions: 64 }, 32)).toThrow(
      '`dimensions` must be one of 32 for jina-clip-v2 (its Matryoshka widths), got 64.',
    );
    expect(() => resolveEmbedOptions(v1, { dimensions: 256 })).toThrow(
      new InvalidInputError(
        'jina-clip-v1 does not support `dimensions` (no Matryoshka truncation); omit it.',
        {
          field: 'dimensions',
        },
      ),
    );
    expect(() => resolveEmbedOptions(v2, { dimensions: 1.5 })).toThrow(/got 1.5/);
  });

  it('rejects an unknown task by name', () => {
    expect(() => resolveEmbedOptions(v2, { task: 'classification' as never })).toThrow(
      "Unsupported task \"classification\": use 'retrieval.query' or 'retrieval.passage'.",
    );
  });
});

describe('checkEmbedOptions, on both backends', () => {
  const bad: Array<[string, unknown, string]> = [
    ['null', null, 'options'],
    ['an array', [], 'options'],
    ['a string', 'query', 'options'],
    ['a plain object as signal', { signal: {} }, 'signal'],
    ['a string as signal', { signal: 'stop' }, 'signal'],
    ['a number as onProgress', { onProgress: 1 }, 'onProgress'],
  ];

  it.each(bad)('refuses %s with InvalidInputError naming the field', (_name, options, field) => {
    let error: unknown;
    try {
      checkEmbedOptions(options);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ name: 'InvalidInputError', field });
    expect(() => resolveEmbedOptions(v1, options as EmbedOptions)).toThrow(InvalidInputError);
  });

  it('accepts undefined, {}, a real signal and a function', () => {
    expect(checkEmbedOptions(undefined)).toEqual({});
    const options = { signal: new AbortController().signal, onProgress: () => {} };
    // A snapshot of its own properties, not the object itself (see ownOptions).
    expect(checkEmbedOptions(options)).toEqual(options);
  });

  it.each(bad)(
    'makes embed(inputs, %s) an InvalidInputError on the api and local backends, sending nothing',
    async (_name, options, field) => {
      const server = await startJinaApiServer();
      const api = createApiBackend(loopbackApiOptions(server));
      const local = createLocalBackend({ modelPath: join(tmpdir(), 'jina-clip-never-written') });
      for (const backend of [api, local]) {
        const error = await backend
          .embed(['x'], options as EmbedOptions)
          .catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(InvalidInputError);
        expect(error).toMatchObject({ field });
      }
      expect(server.requests).toHaveLength(0);
      await Promise.all([api.close(), local.close(), server.close()]);
    },
  );
});

describe('checkEmbedOptions: unknown options', () => {
  it('names a misspelt or unknown option instead of ignoring it', () => {
    expect(() => checkEmbedOptions({ dimension: 256 })).toThrow(
      /^`dimension` is not an option of `embed`; did you mean `dimensions`\?$/,
    );
    expect(() => checkEmbedOptions({ dimension: 256 })).toThrow(InvalidInputError);
    expect(() => checkEmbedOptions({ batchSize: 4 })).toThrow(
      /^`batchSize` is not an option of `embed`\.$/,
    );
    expect(checkEmbedOptions({ task: undefined, extra: undefined })).toEqual({
      task: undefined,
      extra: undefined,
    });
  });
});
