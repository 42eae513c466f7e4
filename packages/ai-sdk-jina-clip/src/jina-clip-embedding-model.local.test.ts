import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embed, embedMany } from 'ai';
import { createLocalBackend } from 'jina-clip-runtime/local';
import {
  type TestImage,
  type TinyModelRepo,
  writeTestImages,
  writeTinyModelRepo,
} from 'jina-clip-runtime/testing';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createJinaClip } from './jina-clip-provider.js';

let v2: TinyModelRepo;
let short: TinyModelRepo;
let images: TestImage[];

// The SDK logs every warning to the console; this test reads them from the result instead.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), 'ai-sdk-tiny-'));
  v2 = await writeTinyModelRepo(join(root, 'v2'), { model: 'jina-clip-v2' });
  short = await writeTinyModelRepo(join(root, 'v1-short'), {
    model: 'jina-clip-v1',
    imageSize: 32,
    maxTokens: 6,
  });
  images = await writeTestImages({ red: [220, 30, 30], green: [30, 200, 60] });
});

/** The provider and the runtime's own local backend on one repo, both closed after the test. */
function localPair(repo: TinyModelRepo, settings: { onTruncation?: (t: unknown) => void } = {}) {
  const options = { modelPath: repo.directory };
  const provider = createJinaClip({ backend: 'local', ...options, ...settings });
  const runtime = createLocalBackend({ model: repo.model, ...options });
  onTestFinished(() => provider.close());
  onTestFinished(() => runtime.close());
  return { provider, runtime };
}

const plain = (vectors: Float32Array[]) => vectors.map((vector) => Array.from(vector));

describe('JinaClipEmbeddingModel on the local backend', () => {
  it('returns the local backend vectors for texts and images, queries apart (v2)', async () => {
    const { provider, runtime } = localPair(v2);
    const [red, green] = images;
    const model = provider.embeddingModel('jina-clip-v2');
    expect(model.maxEmbeddingsPerCall).toBe(16);

    const result = await embedMany({
      model,
      values: ['a red bus', 'red', 'a green field', 'green'],
      providerOptions: {
        jinaClip: { content: [null, { image: red!.path }, null, { image: green!.path }] },
      },
    });
    const query = await embed({ model: provider.queryModel('jina-clip-v2'), value: 'a red bus' });

    const expected = await runtime.embed([
      'a red bus',
      { image: red!.path },
      'a green field',
      { image: green!.path },
    ]);
    const expectedQuery = await runtime.embed(['a red bus'], { task: 'retrieval.query' });
    expect(result.embeddings).toEqual(plain(expected.embeddings));
    expect(result.usage.tokens).toBe(expected.usage.totalTokens);
    expect(query.embedding).toEqual(plain(expectedQuery.embeddings)[0]);
    expect(query.embedding).not.toEqual(result.embeddings[0]);
  });

  it('warns about truncated texts (and tells onTruncation), and about headers it cannot send', async () => {
    const reports: unknown[] = [];
    const { provider, runtime } = localPair(short, { onTruncation: (t) => reports.push(t) });
    const values = ['cat', 'one two three four five many'];

    const result = await embedMany({
      model: provider.embeddingModel('jina-clip-v1'),
      values,
      headers: { 'x-trace': 'abc' },
    });

    expect(result.embeddings).toEqual(
      plain((await runtime.embed(values, { onTruncation: () => {} })).embeddings),
    );
    expect(result.warnings).toEqual([
      {
        type: 'unsupported',
        feature: 'headers',
        details: 'The local backend sends no requests: headers are ignored.',
      },
      {
        type: 'other',
        message:
          '1 text was longer than the model\'s 6 tokens and embedded from its first 6 tokens only: "one two three four five many" (8 tokens).',
      },
    ]);
    expect(result.responses?.[0]?.headers).toBeUndefined();
    expect(reports).toEqual([[{ inputIndex: 1, tokens: 8, maxTokens: 6, exact: true }]]);
  });
});
