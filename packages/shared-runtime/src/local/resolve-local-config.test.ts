import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { defaultImageWorkers, uvThreadpoolSize } from '../images/image-workers-option.js';
import { IMAGE_SOURCE_DEFAULTS } from '../inputs/image-source-options.js';
import { MODELS } from '../models/models.js';
import { resolveLocalConfig } from './resolve-local-config.js';

describe('resolveLocalConfig', () => {
  it('applies the defaults and leaves the Hub environment to the download', () => {
    expect(resolveLocalConfig()).toEqual({
      model: MODELS['jina-clip-v1'],
      layout: 'separate-towers',
      repo: 'jinaai/jina-clip-v1',
      revision: 'main',
      dtype: 'fp32',
      modelPath: undefined,
      cacheDir: undefined,
      offline: undefined,
      endpoint: undefined,
      hfToken: undefined,
      device: 'cpu',
      threads: undefined,
      imageWorkers: Math.max(1, availableParallelism() - Math.ceil(availableParallelism() / 2)),
      exactImages: false,
      batchSize: 16,
      normalized: true,
      onDownloadProgress: undefined,
      onTruncation: undefined,
      images: IMAGE_SOURCE_DEFAULTS,
      onnxTelemetry: false,
    });
    expect(resolveLocalConfig({ model: 'jina-clip-v2' })).toMatchObject({
      layout: 'combined',
      repo: 'jinaai/jina-clip-v2',
    });
  });

  it.each([
    [{ model: 'jina-embeddings-v3' }, 'model'],
    [{ repo: 'no-slash' }, 'repo'],
    [{ revision: '' }, 'revision'],
    [{ dtype: 'fp8' }, 'dtype'],
    [{ modelPath: '  ' }, 'modelPath'],
    [{ device: 'gpu' }, 'device'],
    [{ threads: 0 }, 'threads'],
    [{ batchSize: 1.5 }, 'batchSize'],
    [{ normalized: 'yes' }, 'normalized'],
    [{ offline: 1 }, 'offline'],
    [{ onTruncation: 'warn' }, 'onTruncation'],
    [{ imageWorkers: -1 }, 'imageWorkers'],
    [{ imageWorkers: 1.5 }, 'imageWorkers'],
    [{ imageWorkers: '2' }, 'imageWorkers'],
    [{ exactImages: 'yes' }, 'exactImages'],
    [{ onnxTelemetry: 'on' }, 'onnxTelemetry'],
  ])('rejects %o naming the field', (options, field) => {
    let error: unknown;
    try {
      resolveLocalConfig(options as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field });
  });

  it('imageWorkers defaults to the cores inference leaves free, inline when none', () => {
    // threads unset: onnxruntime takes one per physical core, about half the logical ones.
    expect(defaultImageWorkers(undefined, 2, 4)).toBe(1);
    expect(defaultImageWorkers(undefined, 16, 64)).toBe(8);
    expect(defaultImageWorkers(undefined, 64, 64)).toBe(32);
    expect(defaultImageWorkers(4, 16, 64)).toBe(12);
    expect(defaultImageWorkers(16, 16, 64)).toBe(0);
    expect(defaultImageWorkers(2, 2, 4)).toBe(0);
    expect(defaultImageWorkers(1, 1, 4)).toBe(0);
    // No more than libuv's threadpool can decode at once, one thread left for file reads.
    expect(defaultImageWorkers(undefined, 16, 4)).toBe(3);
    expect(defaultImageWorkers(4, 16, 13)).toBe(12);
    expect(defaultImageWorkers(undefined, 64, 1)).toBe(0);
    expect(resolveLocalConfig({ threads: 1 }).imageWorkers).toBe(
      Math.min(Math.max(0, availableParallelism() - 1), uvThreadpoolSize() - 1),
    );
    expect(resolveLocalConfig({ imageWorkers: 0, exactImages: true })).toMatchObject({
      imageWorkers: 0,
      exactImages: true,
    });
  });

  it('never puts the token in a message', () => {
    let error: unknown;
    try {
      resolveLocalConfig({ hfToken: 'hf_secret_value', threads: -1 });
    } catch (caught) {
      error = caught;
    }
    expect(JSON.stringify(error)).not.toContain('hf_secret_value');
    expect((error as Error).message).not.toContain('hf_secret_value');
  });
});
