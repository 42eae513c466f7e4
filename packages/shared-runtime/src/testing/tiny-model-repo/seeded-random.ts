/**
 * A deterministic pseudo-random generator (mulberry32): the same seed gives the same weights on
 * every machine, so a tiny repo's vectors can be recomputed anywhere. Hand-written because the
 * weights only need to be reproducible, not statistically strong, and a dependency would be
 * heavier than these lines.
 */
export function createSeededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` float32 values drawn uniformly from [-scale, scale). */
export function seededWeights(random: () => number, length: number, scale: number): Float32Array {
  const weights = new Float32Array(length);
  for (let i = 0; i < length; i++) weights[i] = (random() * 2 - 1) * scale;
  return weights;
}
