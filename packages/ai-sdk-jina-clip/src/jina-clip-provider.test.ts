import { NoSuchModelError } from '@ai-sdk/provider';
import { embed, embedMany } from 'ai';
import { type AdapterUsage, InvalidInputError, MODELS } from 'jina-clip-runtime';
import { createRecordingBackend } from 'jina-clip-runtime/testing';
import { describe, expect, it } from 'vitest';
import { JinaClipEmbeddingModel } from './jina-clip-embedding-model.js';
import { createJinaClip, type JinaClipProviderSettings, jinaClip } from './jina-clip-provider.js';

describe('createJinaClip', () => {
  it('gives AI SDK v4 embedding models that batch as the backend does, in parallel', () => {
    expect(jinaClip.specificationVersion).toBe('v4');
    const model = jinaClip.embeddingModel('jina-clip-v2');
    expect(model).toBeInstanceOf(JinaClipEmbeddingModel);
    expect(model).toMatchObject({
      specificationVersion: 'v4',
      provider: 'jina-clip.embedding',
      modelId: 'jina-clip-v2',
      maxEmbeddingsPerCall: 32,
      supportsParallelCalls: true,
      task: undefined,
    });
    expect(jinaClip('jina-clip-v1').modelId).toBe('jina-clip-v1');
    expect(jinaClip.queryModel('jina-clip-v2').task).toBe('retrieval.query');
    expect(createJinaClip({ batchSize: 8 }).embeddingModel('x').maxEmbeddingsPerCall).toBe(8);
    expect(
      createJinaClip({ backend: 'local', modelPath: '/nowhere' }).embeddingModel('jina-clip-v1')
        .maxEmbeddingsPerCall,
    ).toBe(16);
  });

  it('has no language or image models', () => {
    expect(() => jinaClip.languageModel('jina-clip-v2')).toThrow(NoSuchModelError);
    expect(() => jinaClip.imageModel('jina-clip-v2')).toThrow(NoSuchModelError);
  });

  it.each([
    [{ model: 'jina-clip-v2' }, 'model'],
    [{ backend: 'api', modelPath: '/x' }, 'modelPath'],
    [{ backend: 'local', maxRetries: 1 }, 'maxRetries'],
    [{ backend: 'remote' }, 'backend'],
    [{ batchSize: 0 }, 'batchSize'],
    [{ onUsage: 'log' }, 'onUsage'],
  ])('rejects %j naming the field, at once', (settings, field) => {
    const create = () => createJinaClip(settings as JinaClipProviderSettings);
    expect(create).toThrow(InvalidInputError);
    expect(create).toThrow(expect.objectContaining({ field }));
  });

  it("rejects another backend's options at compile time too", () => {
    // @ts-expect-error a local option beside `backend: 'api'`.
    expect(() => createJinaClip({ backend: 'api', dtype: 'q8' })).toThrow(InvalidInputError);
    // @ts-expect-error an api option beside `backend: 'local'`.
    expect(() => createJinaClip({ backend: 'local', timeout: 5 })).toThrow(InvalidInputError);
  });

  it("checks the provider's dimensions against each model at its first call", async () => {
    const provider = createJinaClip({ apiKey: 'unused', dimensions: 64 });
    const call = embed({ model: provider.embeddingModel('jina-clip-v1'), value: 'a' });
    await expect(call).rejects.toBeInstanceOf(InvalidInputError);
    await expect(call).rejects.toMatchObject({ field: 'dimensions' });
    await provider.close();
  });

  it('uses a backend of your own as it is, never closes it, and reports usage', async () => {
    const backend = createRecordingBackend({
      model: MODELS['jina-clip-v2'],
      vector: (input, index) => [index, typeof input === 'string' ? 1 : 2],
    });
    const usage: AdapterUsage[] = [];
    const provider = createJinaClip({ backend, dimensions: 32, onUsage: (u) => usage.push(u) });
    const model = provider.embeddingModel('jina-clip-v2');
    expect(model.maxEmbeddingsPerCall).toBeUndefined();

    const result = await embedMany({
      model,
      values: ['a', 'b.png'],
      providerOptions: {
        jinaClip: { content: [null, { image: 'b.png' }], task: 'retrieval.query' },
      },
      headers: { 'x-trace': 'abc' },
    });
    await provider.close();

    expect(result.embeddings).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(backend.closed).toBe(false);
    expect(backend.calls).toHaveLength(1);
    expect(backend.calls[0]!.inputs).toEqual(['a', { image: 'b.png' }]);
    expect(backend.calls[0]!.options).toMatchObject({
      task: 'retrieval.query',
      dimensions: 32,
      headers: { 'x-trace': 'abc' },
    });
    expect(usage).toHaveLength(1);
    expect(() => provider.embeddingModel('jina-clip-v1')).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', field: 'modelId' }),
    );
  });
});
