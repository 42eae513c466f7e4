import { describe, expect, it } from 'vitest';
import { finishVector } from './vectors.js';

describe('finishVector', () => {
  it('normalises to unit length', () => {
    expect(Array.from(finishVector(new Float32Array([3, 4]), { normalized: true }))).toEqual([
      Math.fround(0.6),
      Math.fround(0.8),
    ]);
  });

  it('truncates first, then renormalises (Matryoshka)', () => {
    const out = finishVector(new Float32Array([3, 4, 12]), { dimensions: 2, normalized: true });
    expect(Array.from(out)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
  });

  it('leaves raw vectors alone and never aliases the input', () => {
    const input = new Float32Array([3, 4, 12]);
    const out = finishVector(input, { dimensions: 2, normalized: false });
    expect(Array.from(out)).toEqual([3, 4]);
    out[0] = 9;
    expect(input[0]).toBe(3);
    const same = finishVector(input, { normalized: false });
    expect(same).not.toBe(input);
  });
});
