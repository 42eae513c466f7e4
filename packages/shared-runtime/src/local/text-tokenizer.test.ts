import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../errors/model-load-error.js';
import {
  type TinyModelRepo,
  writeTinyModelRepo,
} from '../testing/tiny-model-repo/write-tiny-model-repo.js';
import { loadTextTokenizer } from './text-tokenizer.js';

let root: string;
let v2: TinyModelRepo;
let tokenizerJson: Record<string, unknown>;
let tokenizerConfig: Record<string, unknown>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'text-tokenizer-'));
  v2 = await writeTinyModelRepo(join(root, 'v2'), { model: 'jina-clip-v2', imageSize: 32 });
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
    });
    expect(tokenizer.encode('one two')).toEqual({
      ids: [0, v.get('\u2581one'), v.get('\u2581two'), 2],
      truncatedFrom: undefined,
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
