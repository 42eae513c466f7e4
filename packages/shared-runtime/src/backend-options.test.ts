import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AdapterOptions } from './adapter-options.js';
import { resolveAdapterOptions } from './adapter-options.js';
import type { BackendOptions } from './backend-options.js';
import type { EmbeddingBackend } from './embedding-backend.js';
import { InvalidInputError } from './errors/invalid-input-error.js';
import { MODELS } from './models/models.js';

/*
 * The compile-time half of "an option of another backend is an error": `tsc` (the typecheck and
 * CI) fails on any `@ts-expect-error` line below that stops being an error. The objects are
 * only typed, never used to create a backend, except where a test says so.
 */

const ownBackend: EmbeddingBackend = {
  model: MODELS['jina-clip-v2'],
  embed: async () => ({ embeddings: [], usage: { totalTokens: 0 } }),
  close: async () => {},
};

describe('BackendOptions and AdapterOptions: a discriminated union on `backend`', () => {
  it("rejects another backend's options at compile time", () => {
    const rejected: AdapterOptions[] = [
      // @ts-expect-error `modelPath` and `dtype` are local options, `backend` is 'api'.
      { backend: 'api', modelPath: '/x', dtype: 'q8' },
      // @ts-expect-error no `backend` means 'api': a local option is an error.
      { modelPath: '/x' },
      // @ts-expect-error `baseURL` is an api option.
      { backend: 'local', baseURL: 'http://127.0.0.1:1/v1' },
      // @ts-expect-error `maxRetries` is an api option.
      { backend: 'local', maxRetries: 3 },
      // @ts-expect-error your own backend configures itself.
      { backend: ownBackend, model: 'jina-clip-v2' },
      // @ts-expect-error your own backend batches as it likes.
      { backend: ownBackend, batchSize: 8 },
    ];
    const createRejected: BackendOptions[] = [
      // @ts-expect-error a local option for the api backend.
      { backend: 'api', modelPath: '/x', dtype: 'q8' },
      // @ts-expect-error a local option without `backend`.
      { threads: 2 },
      // @ts-expect-error an api option for the local backend.
      { backend: 'local', apiKey: 'jina_x' },
    ];
    // Built elsewhere (no excess-property check): still rejected, by the `never` markers.
    const built = { modelPath: '/x' };
    // @ts-expect-error `modelPath` cannot sit beside the api backend's options.
    const fromVariable: AdapterOptions = built;
    expect([rejected.length, createRejected.length, fromVariable]).toEqual([6, 3, built]);

    // And JavaScript, which no type stops, gets the same answer at run time.
    for (const options of [...rejected, fromVariable]) {
      expect(() => resolveAdapterOptions(options)).toThrow(InvalidInputError);
    }
  });

  it('accepts each backend with its own and the shared options', () => {
    expectTypeOf({
      backend: 'api',
      apiKey: 'jina_x',
      baseURL: 'http://127.0.0.1:1/v1',
      maxRetries: 0,
      model: 'jina-clip-v2',
      batchSize: 8,
      dimensions: 256,
      onUsage: ({ totalTokens }: { totalTokens: number }) => void totalTokens,
    } as const).toExtend<AdapterOptions>();
    expectTypeOf({
      backend: 'local',
      modelPath: '/x',
      dtype: 'q8',
      threads: 2,
      model: 'jina-clip-v1',
      batchSize: 4,
    } as const).toExtend<AdapterOptions>();
    expectTypeOf({ backend: ownBackend, dimensions: 64 }).toExtend<AdapterOptions>();
    expectTypeOf({ apiKey: 'jina_x' }).toExtend<BackendOptions>();
    expectTypeOf({ backend: 'local', modelPath: '/x' } as const).toExtend<BackendOptions>();
    expectTypeOf({ backend: 'api', modelPath: '/x' } as const).not.toExtend<BackendOptions>();
  });
});
