import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { cosineSimilarity } from './cosine-similarity.js';

describe('cosineSimilarity', () => {
  it('is 1 for the same direction, 0 for orthogonal vectors and -1 for opposite ones', () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBe(1);
    expect(cosineSimilarity([1, 0], [0, 5])).toBe(0);
    expect(cosineSimilarity([1, 0], [-3, 0])).toBe(-1);
  });

  it('divides the dot product by both lengths, for plain arrays and typed arrays alike', () => {
    // 3 x 4 + 4 x 3 = 24, over 5 x 5.
    expect(cosineSimilarity([3, 4], [4, 3])).toBe(24 / 25);
    expect(cosineSimilarity(new Float32Array([3, 4]), [4, 3])).toBe(24 / 25);
    // Unit vectors: the dot product.
    expect(cosineSimilarity([0.6, 0.8], [1, 0])).toBeCloseTo(0.6, 15);
  });

  it('is NaN when a vector is all zeros', () => {
    expect(cosineSimilarity([0, 0], [1, 2])).toBeNaN();
  });

  it('throws InvalidInputError naming `b` when the lengths differ', () => {
    expect(() => cosineSimilarity([1, 2, 3], [1, 2])).toThrow(InvalidInputError);
    expect(() => cosineSimilarity([1, 2, 3], [1, 2])).toThrow(
      expect.objectContaining({
        field: 'b',
        message: 'The vectors must have the same length to be compared, got 3 and 2.',
      }),
    );
  });
});
