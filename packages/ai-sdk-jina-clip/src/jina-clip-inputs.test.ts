import { embedMany } from 'ai';
import { MODELS } from 'jina-clip-runtime';
import { createRecordingBackend } from 'jina-clip-runtime/testing';
import { describe, expect, it } from 'vitest';
import { jinaClipInputs } from './jina-clip-inputs.js';
import { createJinaClip } from './jina-clip-provider.js';

describe('jinaClipInputs', () => {
  it('splits mixed inputs into values and aligned content', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const url = new URL('https://example.com/cat.jpg');
    const { values, providerOptions } = jinaClipInputs([
      'a cat',
      { text: 'a dog' },
      { image: './cat.jpg' },
      { image: bytes },
      { image: url },
    ]);
    expect(values).toEqual(['a cat', 'a dog', './cat.jpg', 'image 3', url.href]);
    expect(providerOptions).toEqual({
      jinaClip: {
        content: [null, null, { image: './cat.jpg' }, { image: bytes }, { image: url }],
      },
    });
  });

  it('gives no provider options for texts only', () => {
    expect(jinaClipInputs(['a', { text: 'b' }])).toEqual({
      values: ['a', 'b'],
      providerOptions: undefined,
    });
  });

  it('hands bytes to the backend untouched through embedMany', async () => {
    const backend = createRecordingBackend({ model: MODELS['jina-clip-v1'], vector: () => [1] });
    const bytes = new Uint8Array([1, 2, 3]);
    const model = createJinaClip({ backend }).embeddingModel('jina-clip-v1');
    await embedMany({ model, ...jinaClipInputs(['a', { image: bytes }]) });
    expect(backend.calls[0]!.inputs).toEqual(['a', { image: bytes }]);
    expect((backend.calls[0]!.inputs[1] as { image: unknown }).image).toBe(bytes);
  });
});
