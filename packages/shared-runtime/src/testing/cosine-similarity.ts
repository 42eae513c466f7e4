import { InvalidInputError } from '../errors/invalid-input-error.js';

/**
 * Cosine similarity of two vectors: their dot product over the product of their lengths, from
 * -1 to 1 (1: the same direction). The score a vector store ranks by; for the unit vectors the
 * backends return (`normalized: true`, the default) it equals the dot product, and a store that
 * answers squared L2 distances (LanceDB) answers `2 - 2 * cosineSimilarity(a, b)`.
 *
 * Written here rather than taken from a library: it is a few lines, and no dependency the
 * runtime has provides it.
 *
 * @returns `NaN` when either vector is all zeros (it has no direction).
 * @throws {InvalidInputError} with `field: 'b'` when the vectors' lengths differ.
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new InvalidInputError(
      `The vectors must have the same length to be compared, got ${a.length} and ${b.length}.`,
      { field: 'b' },
    );
  }
  let dot = 0;
  let squaresA = 0;
  let squaresB = 0;
  for (let index = 0; index < a.length; index++) {
    dot += a[index]! * b[index]!;
    squaresA += a[index]! * a[index]!;
    squaresB += b[index]! * b[index]!;
  }
  return dot / Math.sqrt(squaresA * squaresB);
}
