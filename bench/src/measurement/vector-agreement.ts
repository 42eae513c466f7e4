/** How closely one contender's vectors match another's, input by input. */
export interface VectorAgreement {
  /** Lowest cosine similarity over all inputs. */
  minCosine: number;
  meanCosine: number;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    dot += a[index]! * b[index]!;
    normA += a[index]! * a[index]!;
    normB += b[index]! * b[index]!;
  }
  return dot / Math.sqrt(normA * normB);
}

/**
 * Cosine similarity of each pair of vectors (same position = same input): shows the contenders
 * did the same work (the same tokens, the same pixels) and not merely the same amount of it.
 */
export function vectorAgreement(
  reference: readonly ArrayLike<number>[],
  candidate: readonly ArrayLike<number>[],
): VectorAgreement | undefined {
  if (reference.length === 0 || reference.length !== candidate.length) return undefined;
  let minCosine = 1;
  let sum = 0;
  for (const [index, vector] of reference.entries()) {
    const other = candidate[index]!;
    const value = vector.length === other.length ? cosine(vector, other) : Number.NaN;
    minCosine = Math.min(minCosine, value);
    sum += value;
  }
  return { minCosine, meanCosine: sum / reference.length };
}
