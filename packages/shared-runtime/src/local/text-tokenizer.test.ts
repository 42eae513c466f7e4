import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../errors/model-load-error.js';
import { createSeededRandom } from '../testing/tiny-model-repo/seeded-random.js';
import {
  type TinyModelRepo,
  writeTinyModelRepo,
} from '../testing/tiny-model-repo/write-tiny-model-repo.js';
import { loadTextTokenizer } from './text-tokenizer.js';

let root: string;
let v1: TinyModelRepo;
let v2: TinyModelRepo;
let tokenizerJson: Record<string, unknown>;
let tokenizerConfig: Record<string, unknown>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'text-tokenizer-'));
  v2 = await writeTinyModelRepo(join(root, 'v2'), { model: 'jina-clip-v2', imageSize: 32 });
  v1 = await writeTinyModelRepo(join(root, 'v1'), { model: 'jina-clip-v1', imageSize: 32 });
  tokenizerJson = JSON.parse(await readFile(join(v2.directory, 'tokenizer.json'), 'utf8'));
  tokenizerConfig = JSON.parse(await readFile(join(v2.directory, 'tokenizer_config.json'), 'utf8'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadTextTokenizer', () => {
  it('cuts the text, not the template: <s> first tokens </s>, and says how long it was', async () => {
    const tokenizer = await loadTextTokenizer(tokenizerJson, tokenizerConfig, {
      maxTokens: 4,
      padTokenId: 1,
    });
    const v = v2.vocabulary;
    expect(tokenizer.encode('one two three four')).toEqual({
      ids: [0, v.get('\u2581one'), v.get('\u2581two'), 2],
      truncatedFrom: 6,
      exact: true,
    });
    expect(tokenizer.encode('one two')).toEqual({
      ids: [0, v.get('\u2581one'), v.get('\u2581two'), 2],
      truncatedFrom: undefined,
      exact: true,
    });
  });

  it('pads with the id it is given', async () => {
    const tokenizer = await loadTextTokenizer(tokenizerJson, tokenizerConfig, {
      maxTokens: 8,
      padTokenId: 7,
    });
    expect(tokenizer.padTokenId).toBe(7);
  });

  it('reports a tokenizer.json the library cannot read as a ModelLoadError naming the file', async () => {
    const error = await loadTextTokenizer(
      { model: { type: 'Nonsense' } },
      {},
      { maxTokens: 8, padTokenId: 1 },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error).toMatchObject({ file: 'tokenizer.json' });
  });
});

/** The repo's tokenizer files, parsed. */
async function tokenizerFiles(repo: TinyModelRepo) {
  return {
    json: JSON.parse(await readFile(join(repo.directory, 'tokenizer.json'), 'utf8')),
    config: JSON.parse(await readFile(join(repo.directory, 'tokenizer_config.json'), 'utf8')),
  };
}

/**
 * The reference: the whole text tokenized by the library, then cut as Hugging Face `tokenizers`
 * cuts with `truncation=True` (the text's own tokens, the template's special tokens kept).
 */
function truncateWholeText(library: Tokenizer, text: string, maxTokens: number) {
  const whole = library.encode(text).ids;
  if (whole.length <= maxTokens) return { ids: whole, tokens: whole.length };
  const content = library.encode(text, { add_special_tokens: false }).ids;
  const specials = whole.length - content.length;
  const before = whole.indexOf(content[0]!);
  return {
    ids: [
      ...whole.slice(0, before),
      ...content.slice(0, maxTokens - specials),
      ...whole.slice(before + content.length),
    ],
    tokens: whole.length,
  };
}

const PUNCTUATION = [',', '.', '!', '?', ';', ':', '-', '(', ')', "'"];
const SEPARATORS = [' ', ' ', ' ', ' ', '  ', '\n', '\t', ' \n\n'];
const CJK = '我们的模型可以理解多种语言的文本和图像内容';

/** Seeded texts of words, punctuation, CJK runs, emoji, digits and long unbroken runs. */
function mixedText(seed: number, length: number, words: readonly string[]): string {
  const random = createSeededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  let text = '';
  while (text.length < length) {
    const roll = random();
    if (roll < 0.7) text += pick(words);
    else if (roll < 0.8) text += pick(PUNCTUATION);
    else if (roll < 0.87) text += CJK.slice(0, 1 + Math.floor(random() * CJK.length));
    else if (roll < 0.9) text += '\u{1F600}\u00E9e\u0301';
    else if (roll < 0.95) text += String(Math.floor(random() * 1e6));
    else text += pick(words).repeat(1 + Math.floor(random() * 40));
    text += pick(SEPARATORS);
  }
  return text;
}

describe('loadTextTokenizer on long texts: kept tokens identical to tokenizing the whole text', () => {
  const models = [
    ['jina-clip-v1 (WordPiece)', () => v1],
    ['jina-clip-v2 (Unigram)', () => v2],
  ] as const;

  for (const [name, repoOf] of models) {
    it(`${name}: mixed texts up to 40,000 characters, limits 8 to 8192`, async () => {
      const files = await tokenizerFiles(repoOf());
      const library = new Tokenizer(files.json, files.config);
      const words = [...repoOf().vocabulary.keys()]
        .filter((piece) => /^\u2581?[a-z]{2,}$/i.test(piece))
        .map((piece) => piece.replace('\u2581', ''));
      let cases = 0;
      for (const maxTokens of [8, 64, 512, 8192]) {
        const tokenizer = await loadTextTokenizer(files.json, files.config, {
          maxTokens,
          padTokenId: 1,
        });
        for (const [seed, length] of [
          [1, 100],
          [2, 3_000],
          [3, 20_000],
          [4, 40_000],
        ] as const) {
          const text = mixedText(seed * maxTokens, length, words);
          const expected = truncateWholeText(library, text, maxTokens);
          const actual = tokenizer.encode(text);
          expect(actual.ids, `${maxTokens} tokens, ${length} characters`).toEqual(expected.ids);
          if (expected.tokens <= maxTokens) {
            expect(actual.truncatedFrom).toBeUndefined();
          } else if (actual.exact) {
            expect(actual.truncatedFrom).toBe(expected.tokens);
          } else {
            expect(actual.truncatedFrom).toBeGreaterThan(maxTokens);
            expect(actual.truncatedFrom).toBeLessThanOrEqual(expected.tokens);
          }
          cases++;
        }
      }
      expect(cases).toBe(16);
    }, 120_000);

    it(`${name}: texts without spaces (CJK, one long run of letters)`, async () => {
      const files = await tokenizerFiles(repoOf());
      const library = new Tokenizer(files.json, files.config);
      const tokenizer = await loadTextTokenizer(files.json, files.config, {
        maxTokens: 64,
        padTokenId: 1,
      });
      for (const text of [
        CJK.repeat(500),
        'catdogbirdfishtreehouse'.repeat(500),
        'abcdefghijklmnopqrstuvwxyz'.repeat(500),
        `${CJK}photo,cat.dog!`.repeat(300),
      ]) {
        expect(tokenizer.encode(text).ids).toEqual(truncateWholeText(library, text, 64).ids);
      }
    }, 120_000);
  }

  it('jina-clip-v2: a 300,000-character text, which the library alone overflows the stack on', async () => {
    const files = await tokenizerFiles(v2);
    const library = new Tokenizer(files.json, files.config);
    const text = 'the quick brown fox jumps over a lazy dog '.repeat(7_500);
    expect(() => library.encode(text)).toThrow(RangeError);
    const tokenizer = await loadTextTokenizer(files.json, files.config, {
      maxTokens: 8192,
      padTokenId: 1,
    });
    const encoded = tokenizer.encode(text);
    // The same as the whole text's first tokens, computed from a prefix the library can take.
    const reference = truncateWholeText(library, text.slice(0, 60_000), 8192);
    expect(encoded.ids).toEqual(reference.ids);
    expect(encoded.exact).toBe(false);
    expect(encoded.truncatedFrom).toBeGreaterThan(8192);
  }, 120_000);
});
