import { describe, expect, it } from 'vitest';
import { type AdapterOptions, resolveAdapterOptions } from './adapter-options.js';
import type { EmbeddingBackend } from './embedding-backend.js';
import { InvalidInputError } from './errors/invalid-input-error.js';
import { MODELS } from './models/models.js';

const ownBackend: EmbeddingBackend = {
  model: MODELS['jina-clip-v2'],
  embed: async () => ({ embeddings: [], usage: { totalTokens: 0 } }),
  close: async () => {},
};

/** The field of the InvalidInputError that options (as JavaScript may pass them) are rejected with. */
function fieldOf(options: object): string | undefined {
  try {
    resolveAdapterOptions(options as AdapterOptions);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.field;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

describe('resolveAdapterOptions', () => {
  it('creates the api backend by default, and the local one when asked, owning both', () => {
    const signal = new AbortController().signal;
    const api = resolveAdapterOptions({ model: 'jina-clip-v2', dimensions: 256, signal });
    expect(api).toMatchObject({ ownsBackend: true, dimensions: 256, signal });
    expect(api.backend.model.id).toBe('jina-clip-v2');

    const local = resolveAdapterOptions({ backend: 'local', modelPath: '/nowhere' });
    expect(local).toMatchObject({ ownsBackend: true, dimensions: undefined, signal: undefined });
    expect(local.backend.model.id).toBe('jina-clip-v1');
  });

  it('takes a given backend as it is, without owning it', () => {
    expect(resolveAdapterOptions({ backend: ownBackend, dimensions: 64 })).toEqual({
      backend: ownBackend,
      ownsBackend: false,
      dimensions: 64,
      signal: undefined,
    });
  });

  it.each<[object, string]>([
    [{ backend: 'gpu' }, 'backend'],
    [{ onUsage: 'log' }, 'onUsage'],
    [{ backend: {} as EmbeddingBackend }, 'backend'],
    [{ modelPath: '/models/clip' }, 'modelPath'],
    [{ backend: 'api', onTruncation: () => {} }, 'onTruncation'],
    [{ backend: 'local', baseURL: 'http://127.0.0.1:1/v1' }, 'baseURL'],
    [{ backend: 'local', backoff: { initialDelayMs: 1 } }, 'backoff'],
    [{ backend: ownBackend, model: 'jina-clip-v2' }, 'model'],
    [{ backend: ownBackend, batchSize: 8 }, 'batchSize'],
    [{ backend: ownBackend, dimensions: 4096 }, 'dimensions'],
    [{ model: 'jina-clip-v1', dimensions: 64 }, 'dimensions'],
  ])('rejects %o naming `%s`', (options, field) => {
    expect(fieldOf(options)).toBe(field);
  });
});
