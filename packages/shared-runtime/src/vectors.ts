/**
 * Truncates a vector to `dimensions` (Matryoshka) and L2-normalises it when asked, in one pass
 * into a new array. Both backends' post-processing: the service does the same server-side.
 */
export function finishVector(
  vector: Float32Array,
  options: { dimensions?: number | undefined; normalized: boolean },
): Float32Array {
  const width = options.dimensions ?? vector.length;
  const out = vector.length === width ? vector.slice() : vector.slice(0, width);
  if (!options.normalized) return out;
  let sum = 0;
  for (let i = 0; i < width; i++) sum += out[i]! * out[i]!;
  const norm = Math.sqrt(sum);
  if (norm === 0) return out;
  for (let i = 0; i < width; i++) out[i] = out[i]! / norm;
  return out;
}
