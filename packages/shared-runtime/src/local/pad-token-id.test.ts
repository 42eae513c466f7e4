import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModelRepo } from '../testing/tiny-model-repo/write-tiny-model-repo.js';
import { readPadTokenId } from './pad-token-id.js';

let root: string;
const json: Record<
  'v1' | 'v2',
  { tokenizer: Record<string, unknown>; config: Record<string, unknown> }
> = {} as never;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pad-token-id-'));
  for (const version of ['v1', 'v2'] as const) {
    const repo = await writeTinyModelRepo(join(root, version), {
      model: `jina-clip-${version}`,
      imageSize: 32,
    });
    const read = async (file: string) =>
      JSON.parse(await readFile(join(repo.directory, file), 'utf8')) as Record<string, unknown>;
    json[version] = {
      tokenizer: await read('tokenizer.json'),
      config: await read('tokenizer_config.json'),
    };
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('readPadTokenId', () => {
  it("finds tokenizer_config's pad_token among tokenizer.json's added tokens", () => {
    expect(readPadTokenId(json.v2.tokenizer, json.v2.config, 9)).toBe(1); // <pad>
    expect(readPadTokenId(json.v1.tokenizer, json.v1.config, 9)).toBe(0); // [PAD]
    expect(readPadTokenId(json.v2.tokenizer, { pad_token: { content: '<pad>' } }, 9)).toBe(1);
  });

  it('prefers padding.pad_id', () => {
    expect(
      readPadTokenId({ ...json.v2.tokenizer, padding: { pad_id: 3 } }, json.v2.config, 9),
    ).toBe(3);
  });

  it('looks in the vocabulary of a WordPiece map or a Unigram list', () => {
    const config = { pad_token: 'pad' };
    expect(readPadTokenId({ model: { vocab: { a: 0, pad: 5 } } }, config, 9)).toBe(5);
    expect(
      readPadTokenId(
        {
          model: {
            vocab: [
              ['a', 0],
              ['pad', 0],
            ],
          },
        },
        config,
        9,
      ),
    ).toBe(1);
  });

  it('falls back to the given id when no pad token is named or found', () => {
    expect(readPadTokenId(json.v2.tokenizer, {}, 9)).toBe(9);
    expect(readPadTokenId(json.v2.tokenizer, { pad_token: 'nowhere' }, 9)).toBe(9);
  });
});
