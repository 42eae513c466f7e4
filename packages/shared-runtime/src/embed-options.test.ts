import { describe, expect, it } from 'vitest';
import { resolveEmbedOptions } from './embed-options.js';
import { InvalidInputError } from './errors/invalid-input-error.js';
import { MODELS } from './models/models.js';

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
