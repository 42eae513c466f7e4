import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/models.js';
import { createRecordingBackend } from './create-recording-backend.js';

describe('createRecordingBackend', () => {
  it('answers the given vectors as Float32Arrays, in input order, with no usage', async () => {
    const backend = createRecordingBackend({
      vector: (input, index, options) => [index, String(input).length, options?.dimensions ?? 0],
    });

    expect(await backend.embed(['a', 'bcd'], { dimensions: 64 })).toEqual({
      embeddings: [new Float32Array([0, 1, 64]), new Float32Array([1, 3, 64])],
      usage: { totalTokens: 0 },
    });
  });

  it('records every call, as made, and whether it was closed', async () => {
    const backend = createRecordingBackend({ model: MODELS['jina-clip-v2'], vector: () => [1] });
    const signal = new AbortController().signal;
    const image = { image: new Uint8Array([1, 2]) };
    expect(backend.model).toBe(MODELS['jina-clip-v2']);
    expect(backend.closed).toBe(false);

    await backend.embed(['a']);
    await backend.embed([image], { task: 'retrieval.query', signal });
    await backend.close();

    expect(backend.calls).toEqual([
      { inputs: ['a'], options: undefined },
      { inputs: [image], options: { task: 'retrieval.query', signal } },
    ]);
    expect(backend.calls[1]?.inputs[0]).toBe(image);
    expect(backend.closed).toBe(true);
  });

  it('throws InvalidInputError naming `vector` when it is not a function', () => {
    expect(() => createRecordingBackend({ vector: [1, 2] as never })).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', field: 'vector' }),
    );
  });

  it('reports jina-clip-v1 by default', () => {
    expect(createRecordingBackend({ vector: () => [1] }).model).toBe(MODELS['jina-clip-v1']);
  });
});
