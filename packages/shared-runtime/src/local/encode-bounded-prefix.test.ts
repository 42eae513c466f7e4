import { describe, expect, it } from 'vitest';
import { encodeBoundedPrefix, MAX_CHARACTERS_PER_KEPT_TOKEN } from './encode-bounded-prefix.js';

/** A whitespace tokenizer that records how many characters it was given. */
function countingWordTokenizer() {
  const seen = { characters: 0, calls: 0 };
  const encode = (text: string) => {
    seen.characters += text.length;
    seen.calls++;
    return text
      .split(/\s+/)
      .filter((word) => word !== '')
      .map((word) => word.length);
  };
  return { seen, encode };
}

describe('encodeBoundedPrefix', () => {
  it('tokenizes a short text whole and reports nothing cut', () => {
    const { encode } = countingWordTokenizer();
    expect(encodeBoundedPrefix('a bb ccc', 5, encode)).toEqual({
      ids: [1, 2, 3],
      truncatedFrom: undefined,
    });
  });

  it('counts exactly when the whole text fits the first prefix', () => {
    const { encode } = countingWordTokenizer();
    expect(encodeBoundedPrefix('a bb ccc dddd', 2, encode)).toEqual({
      ids: [1, 2],
      truncatedFrom: { tokens: 4, exact: true },
    });
  });

  it('reads a bounded prefix of a 5,000,000-character text, and keeps its first tokens', () => {
    const { seen, encode } = countingWordTokenizer();
    const text = 'abc '.repeat(1_250_000);
    const result = encodeBoundedPrefix(text, 100, encode);
    expect(result.ids).toEqual(new Array(100).fill(3));
    expect(result.truncatedFrom?.exact).toBe(false);
    expect(result.truncatedFrom!.tokens).toBeGreaterThan(100);
    // (100 + 16) * 4 characters, then half as long again to confirm: nowhere near 5 MB.
    expect(seen.characters).toBeLessThan(100 * MAX_CHARACTERS_PER_KEPT_TOKEN * 2);
  });

  it('grows the prefix while it holds too few tokens (long words), still bounded', () => {
    const { seen, encode } = countingWordTokenizer();
    const word = 'x'.repeat(6);
    const text = `${word} `.repeat(100_000);
    const result = encodeBoundedPrefix(text, 200, encode);
    expect(result.ids).toEqual(new Array(200).fill(6));
    expect(seen.calls).toBeGreaterThan(1);
    expect(seen.characters).toBeLessThan(200 * MAX_CHARACTERS_PER_KEPT_TOKEN * 4);
  });

  it('stops at keep * 8 characters when they hold too few tokens, and says it cut', () => {
    const { encode } = countingWordTokenizer();
    const text = 'y'.repeat(10_000_000);
    const result = encodeBoundedPrefix(text, 100, encode);
    expect(result).toEqual({ ids: [1024], truncatedFrom: { tokens: 1, exact: false } });
  });

  it('never cuts a surrogate pair in two', () => {
    const prefixes: string[] = [];
    const text = '\u{1F600}'.repeat(100_000);
    encodeBoundedPrefix(text, 10, (prefix) => {
      prefixes.push(prefix);
      return Array.from(prefix, (character) => character.codePointAt(0)!);
    });
    for (const prefix of prefixes) expect(prefix.length % 2).toBe(0);
  });
});
