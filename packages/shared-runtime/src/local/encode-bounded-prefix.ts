/** What {@link encodeBoundedPrefix} found. */
export interface BoundedContentEncoding {
  /** The text's own tokens (no special tokens): all of them, or the first `keep` when cut. */
  ids: number[];
  /**
   * Undefined when the text has no more than `keep` tokens. Otherwise how many it has: exact
   * when the whole text was tokenized (`exact`), else a lower bound (the tokens of the prefix
   * that was tokenized).
   */
  truncatedFrom: { tokens: number; exact: boolean } | undefined;
}

/** Tokens beyond `keep` that a prefix must yield before its first `keep` are trusted. */
const MARGIN_TOKENS = 16;
/** First guess of characters per token (English WordPiece runs about 4.5). */
const FIRST_CHARACTERS_PER_TOKEN = 4;
/**
 * Longest prefix tokenized for one text, in characters per token kept (65,536 characters for
 * 8,192 tokens; real text takes about 4 to 5 characters a token). A prefix this long that still
 * holds too few tokens (only very long unknown "words" do that) is taken as it is. This also
 * keeps one prefix below what `@huggingface/tokenizers` can take: it spreads a pre-token's
 * pieces into `Array.prototype.push`, which overflows the stack from about 100,000 pieces, and
 * its Metaspace pre-tokenizer does not split words, so a v2 text is one pre-token.
 */
export const MAX_CHARACTERS_PER_KEPT_TOKEN = 8;

/** A UTF-16 index that does not split a surrogate pair. */
function codePointBoundary(text: string, index: number): number {
  if (index <= 0 || index >= text.length) return Math.max(0, Math.min(index, text.length));
  const code = text.charCodeAt(index - 1);
  return code >= 0xd800 && code <= 0xdbff ? index - 1 : index;
}

/**
 * Where to cut `text` at about `size` characters: before the last whitespace in its second half
 * (a boundary every pre-tokenizer of these models splits at, so the words before it tokenize as
 * in the whole text), else at `size` itself (a text without spaces: CJK, a long token).
 */
function cutPoint(text: string, size: number): number {
  if (size >= text.length) return text.length;
  for (let index = size; index > size / 2; index--) {
    const code = text.charCodeAt(index);
    // Space, tab, line breaks, no-break and ideographic spaces.
    if (code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || code === 0x3000) {
      return index;
    }
  }
  return codePointBoundary(text, size);
}

function startsEqual(a: readonly number[], b: readonly number[], length: number): boolean {
  for (let index = 0; index < length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/**
 * Tokenizes only as much of `text` as truncation to `keep` tokens can use, so that a text of
 * any length costs work bounded by `keep` (the whole text tokenized and then cut costs memory and
 * time in its length: 20 MB of text took gigabytes and over a minute, and the Unigram tokenizer
 * overflowed the stack from about 209,000 characters).
 *
 * `encodeContent` tokenizes a string without special tokens. A text of at most `keep * 8`
 * characters is tokenized whole (exact count). Of a longer one, a prefix of about
 * `(keep + 16) * 4` characters is cut at a whitespace boundary and tokenized; while it yields
 * too few tokens it grows (at most doubling). Once it yields more than `keep + 16`, one prefix
 * half as long again is tokenized and the first `keep` tokens of both must agree: whatever the
 * cut did to the tokens near it (a word split in two, a Viterbi path of a text without spaces)
 * then lies beyond what is kept, and the kept tokens are those of the whole text.
 *
 * A text whose first `keep * 8` characters hold too few tokens to decide (only very long unknown
 * "words" do that) is embedded from the tokens of those characters and reported as truncated,
 * with the tokens counted so far.
 */
export function encodeBoundedPrefix(
  text: string,
  keep: number,
  encodeContent: (text: string) => number[],
): BoundedContentEncoding {
  return runToEnd(encodeBoundedPrefixSteps(text, keep, encodeContent));
}

/** Runs a generator to its end, ignoring its pauses: the synchronous form of a stepped task. */
export function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * {@link encodeBoundedPrefix} as steps: the generator pauses (yields) after each call of
 * `encodeContent`, so that a caller can give the event loop a turn between two prefixes of a
 * long text (each is one uninterruptible tokenizer call) and check for an abort.
 *
 * One prefix is one call, not smaller windows tokenized apart: the ids would not be the same.
 * The v2 Metaspace pre-tokenizer prepends `▁` to every string it is given, and Unigram's Viterbi
 * path of a text without whitespace is global, so each window's first tokens differ from the
 * whole text's (measured on the tiny v2 tokenizer, 40,000 characters in windows of 4,000: the
 * first difference at the first seam for random letters, multi-byte text, `a` repeated and
 * glued words alike). Proving a seam safe would need the model's own lattice and scores.
 */
export function* encodeBoundedPrefixSteps(
  text: string,
  keep: number,
  encodeContent: (text: string) => number[],
): Generator<void, BoundedContentEncoding> {
  const wanted = keep + MARGIN_TOKENS;
  const maxCharacters = Math.max(1024, keep * MAX_CHARACTERS_PER_KEPT_TOKEN);
  // A text no longer than the most ever read is tokenized whole, in one call (exact count).
  let size =
    text.length <= maxCharacters ? text.length : Math.max(256, wanted * FIRST_CHARACTERS_PER_TOKEN);
  let candidate: number[] | undefined;
  let triedShorter = false;
  for (;;) {
    const cut = cutPoint(text, Math.min(size, maxCharacters));
    const ids = encodeContent(cut === text.length ? text : text.slice(0, cut));
    yield;
    if (cut === text.length) {
      return ids.length <= keep
        ? { ids, truncatedFrom: undefined }
        : { ids: ids.slice(0, keep), truncatedFrom: { tokens: ids.length, exact: true } };
    }
    const atLimit = size >= maxCharacters;
    if (ids.length >= wanted) {
      if (candidate !== undefined && startsEqual(candidate, ids, keep)) {
        return { ids: ids.slice(0, keep), truncatedFrom: { tokens: ids.length, exact: false } };
      }
      candidate = ids;
      if (atLimit) {
        return { ids: ids.slice(0, keep), truncatedFrom: { tokens: ids.length, exact: false } };
      }
      // The confirming cut must lie elsewhere, beyond the kept tokens too. A dense text (far more
      // tokens than wanted: CJK, long unknown words) is confirmed once with a shorter prefix sized
      // from its density, so that no single tokenizer call reads much more than it must (each
      // call blocks the event loop); otherwise, or if that fails, with a longer one: at least
      // 15 % longer, up to half as long again.
      const shorter = Math.ceil((cut * wanted * 1.2) / ids.length);
      if (!triedShorter && shorter < cut * 0.75) {
        triedShorter = true;
        size = shorter;
      } else {
        size = Math.ceil(Math.max(size * 1.15, Math.min(shorter, size * 1.5)));
      }
      continue;
    }
    candidate = undefined;
    if (atLimit) {
      // Fewer tokens than kept in the longest prefix allowed: very long unknown "words".
      return { ids: ids.slice(0, keep), truncatedFrom: { tokens: ids.length, exact: false } };
    }
    // Aim at enough tokens from the density seen so far, growing at most twofold a round.
    const estimate = Math.ceil((cut * wanted * 1.2) / Math.max(ids.length, 1));
    size = Math.min(Math.max(size + 1, estimate), size * 2);
  }
}
