import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { DEFAULT_MODEL, getModelInfo, MODELS } from './models.js';

describe('MODELS', () => {
  it('holds the facts of jina-clip-v1', () => {
    expect(MODELS['jina-clip-v1']).toMatchObject({
      dimensions: 768,
      matryoshkaDimensions: [],
      imageSize: 224,
      maxTokens: 8192,
      queryInstruction: undefined,
      tasks: [],
      apiParameters: ['normalized', 'embedding_type'],
      imageTokensPerTile: 1000,
      padTokenId: 0,
    });
  });

  it('holds the facts of jina-clip-v2', () => {
    expect(MODELS['jina-clip-v2']).toMatchObject({
      dimensions: 1024,
      matryoshkaDimensions: [32, 64, 128, 256, 512, 768, 1024],
      imageSize: 512,
      queryInstruction: 'Represent the query for retrieving evidence documents: ',
      apiParameters: ['normalized', 'embedding_type', 'dimensions', 'task'],
      imageTokensPerTile: 4000,
      padTokenId: 1,
    });
  });

  it('defaults to jina-clip-v1 and rejects unknown ids by name', () => {
    expect(DEFAULT_MODEL).toBe('jina-clip-v1');
    expect(getModelInfo('jina-clip-v2')).toBe(MODELS['jina-clip-v2']);
    expect(() => getModelInfo('jina-clip-v9')).toThrow(
      new InvalidInputError(
        'Unknown model "jina-clip-v9". Known models: jina-clip-v1, jina-clip-v2; pass `modelInfo` to describe another.',
        { field: 'model' },
      ),
    );
    const custom = { ...MODELS['jina-clip-v2'], id: 'my-clip' };
    expect(getModelInfo('my-clip', custom)).toBe(custom);
  });
});
