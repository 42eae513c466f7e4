import { describe, expect, it } from 'vitest';
import { expectedServerEmbedding } from './jina-api-server-embedding.js';

describe('expectedServerEmbedding', () => {
  it('is pinned: one SHA-256 of the content seeds xoshiro128**, so a change of generator shows', () => {
    const vector = expectedServerEmbedding('a cat', 'jina-clip-v1');
    expect(vector.length).toBe(768);
    expect(Array.from(vector.subarray(0, 4))).toEqual([
      -0.05598922818899155, 0.05470706522464752, -0.016008829697966576, -0.008639553561806679,
    ]);
    expect(Array.from(vector.subarray(764))).toEqual([
      0.05426623672246933, 0.0454004742205143, -0.0089658098295331, -0.05443804711103439,
    ]);
    const unnormalized = expectedServerEmbedding({ image: 'aGVsbG8=' }, 'jina-clip-v2', 64, {
      normalized: false,
    });
    expect(unnormalized.length).toBe(64);
    expect(Array.from(unnormalized.subarray(0, 3))).toEqual([
      -0.04998251050710678, 0.03882046788930893, 0.018485719338059425,
    ]);
  });

  it('fills every dimension with spread values of unit length', () => {
    const vector = expectedServerEmbedding('spread', 'jina-clip-v2');
    let sum = 0;
    for (const value of vector) sum += value * value;
    expect(Math.sqrt(sum)).toBeCloseTo(1, 6);
    expect(new Set(vector).size).toBe(vector.length);
    expect(vector.some((value) => value > 0) && vector.some((value) => value < 0)).toBe(true);
  });
});
