/** One tokenized text of a call. */
export interface TokenizedText {
  inputIndex: number;
  ids: readonly number[];
}

/** Texts run together: rows padded to the longest, as the graph's int64 tensors want them. */
export interface TokenBatch {
  /** Input index of each row. */
  inputIndices: number[];
  rows: number;
  /** Columns: the longest row's token count. */
  length: number;
  /** [rows, length], padded with the pad id. */
  inputIds: BigInt64Array;
  /** [rows, length], 1 for a token and 0 for padding. */
  attentionMask: BigInt64Array;
}

/**
 * Groups texts into batches of at most `batchSize` by token length (longest first), so that a
 * long text shares its batch with texts of similar length instead of padding short ones to its
 * length. The sort is stable: equal lengths keep their input order.
 */
export function planTextBatches(
  texts: readonly TokenizedText[],
  batchSize: number,
  padTokenId: number,
): TokenBatch[] {
  return groupTextBatches(texts, batchSize).map((group) => padBatch(group, padTokenId));
}

/**
 * The groups of {@link planTextBatches}, not yet padded: a caller pads each just before it runs
 * ({@link padBatch}), so a call of many texts never builds every batch's tensors at once.
 */
export function groupTextBatches(
  texts: readonly TokenizedText[],
  batchSize: number,
): TokenizedText[][] {
  const sorted = [...texts].sort((a, b) => b.ids.length - a.ids.length);
  const groups: TokenizedText[][] = [];
  for (let start = 0; start < sorted.length; start += batchSize) {
    groups.push(sorted.slice(start, start + batchSize));
  }
  return groups;
}

/** One group of texts as the graph's tensors: rows padded to the longest with `padTokenId`. */
export function padBatch(texts: readonly TokenizedText[], padTokenId: number): TokenBatch {
  const length = Math.max(...texts.map((text) => text.ids.length));
  const inputIds = new BigInt64Array(texts.length * length).fill(BigInt(padTokenId));
  const attentionMask = new BigInt64Array(texts.length * length);
  texts.forEach((text, row) => {
    text.ids.forEach((id, column) => {
      inputIds[row * length + column] = BigInt(id);
      attentionMask[row * length + column] = 1n;
    });
  });
  return {
    inputIndices: texts.map((text) => text.inputIndex),
    rows: texts.length,
    length,
    inputIds,
    attentionMask,
  };
}
