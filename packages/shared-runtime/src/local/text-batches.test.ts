import { describe, expect, it } from 'vitest';
import { planTextBatches } from './text-batches.js';

describe('planTextBatches', () => {
  it('groups texts by token length, longest first, keeping input order among equals', () => {
    const batches = planTextBatches(
      [
        { inputIndex: 0, ids: [2, 5, 3] },
        { inputIndex: 1, ids: [2, 5, 6, 7, 8, 3] },
        { inputIndex: 2, ids: [2, 3] },
        { inputIndex: 3, ids: [2, 9, 3] },
        { inputIndex: 4, ids: [2, 5, 6, 7, 3] },
      ],
      2,
      0,
    );
    expect(batches.map((batch) => batch.inputIndices)).toEqual([[1, 4], [0, 3], [2]]);
    expect(batches.map((batch) => [batch.rows, batch.length])).toEqual([
      [2, 6],
      [2, 3],
      [1, 2],
    ]);
  });

  it('pads rows with the pad id and masks the padding out', () => {
    const [batch] = planTextBatches(
      [
        { inputIndex: 0, ids: [0, 7, 2] },
        { inputIndex: 1, ids: [0, 2] },
      ],
      8,
      1,
    );
    expect(Array.from(batch!.inputIds)).toEqual([0n, 7n, 2n, 0n, 2n, 1n]);
    expect(Array.from(batch!.attentionMask)).toEqual([1n, 1n, 1n, 1n, 1n, 0n]);
  });
});
