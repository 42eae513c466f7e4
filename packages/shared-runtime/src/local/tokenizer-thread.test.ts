import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendClosedError } from '../errors/backend-closed-error.js';
import {
  type TinyModelRepo,
  writeTinyModelRepo,
} from '../testing/tiny-model-repo/write-tiny-model-repo.js';
import { createLocalBackend } from './create-local-backend.js';
import { loadTextTokenizer, type TextTokenizer } from './text-tokenizer.js';
import { TOKENIZER_THREAD_MIN_CHARACTERS, TokenizerThread } from './tokenizer-thread.js';

let root: string;
let v2: TinyModelRepo;
let inline: TextTokenizer;
const limits = { maxTokens: 8192, padTokenId: 1 };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokenizer-thread-'));
  v2 = await writeTinyModelRepo(join(root, 'v2'), { model: 'jina-clip-v2', imageSize: 32 });
  inline = await loadTextTokenizer(
    JSON.parse(await readFile(join(v2.directory, 'tokenizer.json'), 'utf8')),
    {},
    limits,
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function thread(tokenizerJsonPath = join(v2.directory, 'tokenizer.json')): TokenizerThread {
  return new TokenizerThread({ tokenizerJsonPath, tokenizerConfig: {}, ...limits });
}

describe('TokenizerThread', () => {
  it('gives the ids of the inline tokenizer for long texts without whitespace and multi-byte texts', async () => {
    const tokenizer = thread();
    try {
      const texts = [
        'abcdefghij'.repeat(30_000),
        '我们的模型catdogbirdfish'.repeat(7000),
        '🦊狐狸éà'.repeat(5000),
        'a'.repeat(TOKENIZER_THREAD_MIN_CHARACTERS),
      ];
      const encodings = await Promise.all(texts.map((text) => tokenizer.encode(text)));
      expect(encodings).toEqual(texts.map((text) => inline.encode(text)));
      // The first two are cut to the model's limit (the tiny vocabulary fuses the others'
      // unknown characters into a few tokens).
      expect(encodings.slice(0, 2).map((encoding) => encoding.ids.length)).toEqual([
        limits.maxTokens,
        limits.maxTokens,
      ]);
    } finally {
      await tokenizer.close();
    }
  }, 120_000);

  it('starts its thread on the first text, and close() terminates it and rejects what is pending', async () => {
    const tokenizer = thread();
    expect(tokenizer.running).toBe(false);
    await tokenizer.encode('short');
    expect(tokenizer.running).toBe(true);
    const pending = expect(tokenizer.encode('abcdefghij'.repeat(30_000))).rejects.toBeInstanceOf(
      BackendClosedError,
    );
    await tokenizer.close();
    expect(tokenizer.running).toBe(false);
    await pending;
    await expect(tokenizer.encode('again')).rejects.toBeInstanceOf(BackendClosedError);
  }, 60_000);

  it('settles a long call as soon as its signal aborts, terminates the idle thread, and works after', async () => {
    const tokenizer = thread();
    try {
      await tokenizer.encode('warm up');
      const controller = new AbortController();
      const call = tokenizer.encode('abcdefghij'.repeat(30_000), controller.signal);
      const reason = new Error('stopped');
      setTimeout(() => controller.abort(reason), 50);
      await expect(call).rejects.toBe(reason);
      expect(tokenizer.running).toBe(false);
      expect(await tokenizer.encode('after')).toEqual(inline.encode('after'));
    } finally {
      await tokenizer.close();
    }
  }, 60_000);

  it("rejects with the tokenizer's own error class when it gives out in the thread", async () => {
    // U+FDFA becomes 18 characters under NFKC: past what the library can spread onto its stack.
    const tokenizer = thread();
    try {
      const error = await tokenizer.encode('\uFDFA'.repeat(100_000)).catch((caught) => caught);
      expect(error).toBeInstanceOf(RangeError);
      // The thread survives it.
      expect(await tokenizer.encode('cat')).toEqual(inline.encode('cat'));
    } finally {
      await tokenizer.close();
    }
  }, 60_000);

  it("rejects with the thread's error when the tokenizer cannot be built there", async () => {
    const tokenizer = thread(join(root, 'missing', 'tokenizer.json'));
    try {
      await expect(tokenizer.encode('text')).rejects.toThrow(/ENOENT/);
    } finally {
      await tokenizer.close();
    }
  }, 60_000);

  it("the backend's close() while the thread tokenizes a long text: the call rejects, close() resolves", async () => {
    const backend = createLocalBackend({ model: 'jina-clip-v2', modelPath: v2.directory });
    await backend.embed(['warm up']);
    const call = backend.embed(['x' + 'abcdefghij'.repeat(30_000)]);
    const settled = expect(call).rejects.toBeInstanceOf(BackendClosedError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await backend.close();
    await settled;
  }, 60_000);
});
