import { describe, expect, it } from 'vitest';
import { planResize, roundHalfEven } from './resize-plan.js';

describe('roundHalfEven (Python round)', () => {
  it('rounds halves to the even neighbour and the rest to the nearest', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4, 2.6, 7].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3, 7]);
  });
});

describe('planResize', () => {
  it('shortest, landscape: long side int(224 * 600 / 400), crop centred', () => {
    expect(planResize(600, 400, { size: 224, resizeMode: 'shortest' })).toEqual({
      width: 336,
      height: 224,
      window: { left: 56, top: 0, width: 224, height: 224 },
      padLeft: 0,
      padTop: 0,
    });
  });

  it('shortest, portrait: int() truncates the long side (300x451 -> 224x336.7 -> 336)', () => {
    expect(planResize(300, 451, { size: 224, resizeMode: 'shortest' })).toEqual({
      width: 224,
      height: 336,
      window: { left: 0, top: 56, width: 224, height: 224 },
      padLeft: 0,
      padTop: 0,
    });
  });

  it('squash: straight to size x size', () => {
    expect(planResize(1000, 10, { size: 512, resizeMode: 'squash' })).toEqual({
      width: 512,
      height: 512,
      window: { left: 0, top: 0, width: 512, height: 512 },
      padLeft: 0,
      padTop: 0,
    });
  });

  it('longest: sides round(side / ratio), padding (size - side) // 2 before', () => {
    // ratio = 1000 / 224; height round(333 / 4.464) = round(74.6) = 75; pad (224 - 75) // 2 = 74.
    expect(planResize(1000, 333, { size: 224, resizeMode: 'longest' })).toEqual({
      width: 224,
      height: 75,
      window: { left: 0, top: 0, width: 224, height: 75 },
      padLeft: 0,
      padTop: 74,
    });
  });
});
