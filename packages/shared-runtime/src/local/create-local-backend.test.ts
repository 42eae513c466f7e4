import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../create-backend.js';
import { BackendClosedError } from '../errors/backend-closed-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { ModelLoadError } from '../errors/model-load-error.js';
import { captureWarnings } from '../testing/capture-warnings.test-helper.js';
import { expectedTinyEmbedding } from '../testing/tiny-model-repo/expected-tiny-embedding.js';
import {
  type TinyModelRepo,
  writeTinyModelRepo,
} from '../testing/tiny-model-repo/write-tiny-model-repo.js';
import { createLocalBackend } from './create-local-backend.js';
import { onnxSessionStatistics } from './create-onnx-session.js';
import type { TruncatedInput } from './local-backend-options.js';

let root: string;
let v1: TinyModelRepo;
let v1NoMask: TinyModelRepo;
let v2: TinyModelRepo;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-backend-'));
  [v1, v1NoMask, v2] = await Promise.all([
    writeTinyModelRepo(join(root, 'v1'), {
      model: 'jina-clip-v1',
      imageSize: 32,
      dtypes: ['fp32', 'q8'],
    }),
    writeTinyModelRepo(join(root, 'v1-no-mask'), {
      model: 'jina-clip-v1',
      imageSize: 32,
      attentionMask: false,
    }),
    writeTinyModelRepo(join(root, 'v2'), { model: 'jina-clip-v2', imageSize: 32, width: 32 }),
  ]);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Token ids of a text, from the repo's vocabulary: the expectation never runs the tokenizer. */
function v1Ids(repo: TinyModelRepo, words: string[]): number[] {
  return [2, ...words.map((word) => repo.vocabulary.get(word)!), 3];
}
function v2Ids(repo: TinyModelRepo, pieces: string[]): number[] {
  return [0, ...pieces.map((piece) => repo.vocabulary.get(piece)!), 2];
}
const QUERY_PIECES = [
  '\u2581Represent',
  '\u2581the',
  '\u2581query',
  '\u2581for',
  '\u2581retrieving',
  '\u2581evidence',
  '\u2581documents',
  ':',
];

function normalised(vector: Float32Array, dimensions = vector.length): number[] {
  const kept = Array.from(vector.subarray(0, dimensions));
  const norm = Math.hypot(...kept);
  return kept.map((value) => value / norm);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5) {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...Array.from(expected, (value, i) => Math.abs(actual[i]! - value)));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe('createLocalBackend with jina-clip-v1 (text)', () => {
  it('embeds texts as the tiny graph computes them, normalised, in input order', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory, batchSize: 2 });
    const texts = [
      'a photo of a cat',
      'dog',
      'the big red bus on the street near the old bridge',
      'Hello, world!',
    ];
    const ids = [
      v1Ids(v1, ['a', 'photo', 'of', 'a', 'cat']),
      v1Ids(v1, ['dog']),
      v1Ids(v1, [
        'the',
        'big',
        'red',
        'bus',
        'on',
        'the',
        'street',
        'near',
        'the',
        'old',
        'bridge',
      ]),
      v1Ids(v1, ['hello', ',', 'world', '!']),
    ];
    const result = await backend.embed(texts);
    expect(result.embeddings).toHaveLength(4);
    result.embeddings.forEach((vector, index) => {
      expect(vector).toBeInstanceOf(Float32Array);
      expectClose(vector, normalised(expectedTinyEmbedding(v1, { inputIds: ids[index]! })));
      expect(Math.abs(Math.hypot(...vector) - 1)).toBeLessThanOrEqual(1e-5);
    });
    expect(result.usage.totalTokens).toBe(ids.flat().length);
    await backend.close();
  });

  it('derives the padding mask in the graph when the text model has no attention_mask input', async () => {
    const backend = createLocalBackend({ modelPath: v1NoMask.directory });
    const result = await backend.embed(['cat', 'a small white dog sleeping under the table']);
    expectClose(
      result.embeddings[0]!,
      normalised(expectedTinyEmbedding(v1NoMask, { inputIds: v1Ids(v1NoMask, ['cat']) })),
    );
    expectClose(
      result.embeddings[1]!,
      normalised(
        expectedTinyEmbedding(v1NoMask, {
          inputIds: v1Ids(v1NoMask, [
            'a',
            'small',
            'white',
            'dog',
            'sleeping',
            'under',
            'the',
            'table',
          ]),
        }),
      ),
    );
    await backend.close();
  });

  it('gives an input the same vector alone and in a batch of other lengths (batch invariance)', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory, batchSize: 3 });
    const alone = (await backend.embed(['green tree'])).embeddings[0]!;
    const mixed = await backend.embed([
      'the long road between the mountain and the sea in winter',
      'green tree',
      'a',
      'many people playing music in the park on a summer day',
    ]);
    expectClose(mixed.embeddings[1]!, alone);
    await backend.close();
  });

  it('returns the raw graph outputs with normalized: false', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory, normalized: false });
    const [vector] = (await backend.embed([{ text: 'blue sky' }])).embeddings;
    expectClose(vector!, expectedTinyEmbedding(v1, { inputIds: v1Ids(v1, ['blue', 'sky']) }));
    await backend.close();
  });

  it('ignores a task for v1 and rejects dimensions before loading anything', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory });
    const plain = (await backend.embed(['cat'])).embeddings[0]!;
    const query = (await backend.embed(['cat'], { task: 'retrieval.query' })).embeddings[0]!;
    expect(Array.from(query)).toEqual(Array.from(plain));
    const error = await backend
      .embed(['cat'], { dimensions: 8 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'dimensions' });
    await backend.close();
  });

  it('loads the dtype-suffixed files (q8: _quantized)', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory, dtype: 'q8' });
    const [vector] = (await backend.embed(['cat'])).embeddings;
    expectClose(vector!, normalised(expectedTinyEmbedding(v1, { inputIds: v1Ids(v1, ['cat']) })));
    await backend.close();
  });

  it('describes the loaded repository as its model once loaded', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory });
    expect(backend.model.dimensions).toBe(768);
    await backend.embed(['cat']);
    expect(backend.model).toMatchObject({
      id: 'jina-clip-v1',
      dimensions: 16,
      imageSize: 32,
      matryoshkaDimensions: [],
      padTokenId: 0,
      maxTokens: 8192,
    });
    await backend.close();
  });
});

describe('createLocalBackend with jina-clip-v2 (text)', () => {
  it('embeds documents as the graph computes them, padding with <pad> = 1', async () => {
    const backend = createLocalBackend({ model: 'jina-clip-v2', modelPath: v2.directory });
    const result = await backend.embed(['a photo of cats', 'snow']);
    expectClose(
      result.embeddings[0]!,
      normalised(
        expectedTinyEmbedding(v2, {
          inputIds: v2Ids(v2, ['\u2581a', '\u2581photo', '\u2581of', '\u2581cats']),
        }),
      ),
    );
    expectClose(
      result.embeddings[1]!,
      normalised(expectedTinyEmbedding(v2, { inputIds: v2Ids(v2, ['\u2581snow']) })),
    );
    expect(backend.model).toMatchObject({
      id: 'jina-clip-v2',
      dimensions: 32,
      matryoshkaDimensions: [4, 8, 16, 32],
      padTokenId: 1,
      queryInstruction: 'Represent the query for retrieving evidence documents: ',
    });
    await backend.close();
  });

  it("prefixes the query instruction for task 'retrieval.query' and nothing for documents", async () => {
    const backend = createLocalBackend({ model: 'jina-clip-v2', modelPath: v2.directory });
    const text = 'red flower';
    const query = await backend.embed([text], { task: 'retrieval.query' });
    const passage = await backend.embed([text], { task: 'retrieval.passage' });
    const plain = await backend.embed([text]);
    const document = v2Ids(v2, ['\u2581red', '\u2581flower']);
    const instructed = v2Ids(v2, [...QUERY_PIECES, '\u2581red', '\u2581flower']);
    expectClose(
      query.embeddings[0]!,
      normalised(expectedTinyEmbedding(v2, { inputIds: instructed })),
    );
    expectClose(
      passage.embeddings[0]!,
      normalised(expectedTinyEmbedding(v2, { inputIds: document })),
    );
    expect(Array.from(plain.embeddings[0]!)).toEqual(Array.from(passage.embeddings[0]!));
    expect(query.usage.totalTokens).toBe(instructed.length);
    expect(passage.usage.totalTokens).toBe(document.length);
    await backend.close();
  });

  it("takes the query instruction from the repository's config.json", async () => {
    const custom = await writeTinyModelRepo(join(root, 'v2-custom-instruction'), {
      model: 'jina-clip-v2',
      imageSize: 32,
      queryInstruction: 'Search query: ',
    });
    const backend = createLocalBackend({ model: 'jina-clip-v2', modelPath: custom.directory });
    const { embeddings } = await backend.embed(['cats'], { task: 'retrieval.query' });
    expect(backend.model.queryInstruction).toBe('Search query: ');
    const ids = v2Ids(custom, ['\u2581Search', '\u2581query', ':', '\u2581cats']);
    expectClose(embeddings[0]!, normalised(expectedTinyEmbedding(custom, { inputIds: ids })));
    await backend.close();
  });

  it('truncates to `dimensions` then renormalises (Matryoshka)', async () => {
    const backend = createLocalBackend({ model: 'jina-clip-v2', modelPath: v2.directory });
    const ids = v2Ids(v2, ['\u2581coffee']);
    const { embeddings } = await backend.embed(['coffee'], { dimensions: 8 });
    expect(embeddings[0]).toHaveLength(8);
    expectClose(embeddings[0]!, normalised(expectedTinyEmbedding(v2, { inputIds: ids }), 8));
    const full = await backend.embed(['coffee'], { dimensions: 32 });
    expectClose(full.embeddings[0]!, normalised(expectedTinyEmbedding(v2, { inputIds: ids })));
    await backend.close();
  });

  it('rejects dimensions wider than the loaded graph, before any inference', async () => {
    const backend = createLocalBackend({ model: 'jina-clip-v2', modelPath: v2.directory });
    const before = onnxSessionStatistics.created;
    for (const dimensions of [33, 0, 2.5, 12]) {
      const error = await backend.embed(['cat'], { dimensions }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ field: 'dimensions' });
    }
    const error = await backend
      .embed(['cat'], { dimensions: 33 })
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toBe(
      '`dimensions` must be one of 4, 8, 16, 32 for jina-clip-v2 (its Matryoshka widths), got 33.',
    );
    // The graph was never opened: nothing ran.
    expect(onnxSessionStatistics.created).toBe(before);
    await backend.close();
  });
});

describe('createLocalBackend truncation', () => {
  let short: TinyModelRepo;
  beforeAll(async () => {
    short = await writeTinyModelRepo(join(root, 'v1-short'), {
      model: 'jina-clip-v1',
      imageSize: 32,
      maxTokens: 6,
    });
  });

  it('cuts long texts to maxTokens, keeping [SEP], and reports them through onTruncation', async () => {
    const reports: (readonly TruncatedInput[])[] = [];
    const backend = createLocalBackend({
      modelPath: short.directory,
      onTruncation: (truncated) => reports.push(truncated),
    });
    const result = await backend.embed(['cat', 'one two three four five many', 'a b c d']);
    // 'a b c d' is exactly 6 tokens with [CLS] and [SEP]: not truncated.
    expect(reports).toEqual([[{ inputIndex: 1, tokens: 8, maxTokens: 6, exact: true }]]);
    expectClose(
      result.embeddings[1]!,
      normalised(
        expectedTinyEmbedding(short, { inputIds: v1Ids(short, ['one', 'two', 'three', 'four']) }),
      ),
    );
    expect(result.usage.totalTokens).toBe(3 + 6 + 6);
    await backend.close();
  });

  it("reports a call's truncation to its own onTruncation instead of the backend's", async () => {
    const backendReports: (readonly TruncatedInput[])[] = [];
    const callReports: (readonly TruncatedInput[])[] = [];
    const backend = createLocalBackend({
      modelPath: short.directory,
      onTruncation: (truncated) => backendReports.push(truncated),
    });
    await backend.embed(['cat', 'one two three four five many'], {
      onTruncation: (truncated) => callReports.push(truncated),
    });
    await backend.embed(['one two three four five many']);
    expect(callReports).toEqual([[{ inputIndex: 1, tokens: 8, maxTokens: 6, exact: true }]]);
    expect(backendReports).toEqual([[{ inputIndex: 0, tokens: 8, maxTokens: 6, exact: true }]]);
    await backend.close();
  });

  it('emits one process warning per call when no onTruncation is given', async () => {
    const warnings = await captureWarnings(async () => {
      const backend = createLocalBackend({ modelPath: short.directory });
      await backend.embed(['one two three four five many', 'a b c d e f g h']);
      await backend.close();
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      name: 'JinaClipTruncationWarning',
      code: 'JINA_CLIP_TRUNCATED',
    });
    expect(warnings[0]!.message).toBe(
      "2 texts were longer than the model's 6 tokens and embedded from their first 6 tokens only: input 0 (8 tokens), input 1 (10 tokens). Split long texts into chunks, or pass onTruncation to handle this yourself.",
    );
  });
});

describe('createLocalBackend lifecycle', () => {
  it('loads the model once for concurrent first calls', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory });
    const before = onnxSessionStatistics.created;
    const results = await Promise.all([
      backend.embed(['cat']),
      backend.embed(['dog']),
      backend.embed(['bird']),
    ]);
    expect(results.map((result) => result.embeddings.length)).toEqual([1, 1, 1]);
    // One text graph, opened once (the vision tower is never needed).
    expect(onnxSessionStatistics.created - before).toBe(1);
    await backend.close();
  });

  it('answers an empty call without loading anything', async () => {
    const backend = createLocalBackend({ modelPath: join(root, 'does-not-exist') });
    expect(await backend.embed([])).toEqual({ embeddings: [], usage: { totalTokens: 0 } });
    await backend.close();
  });

  it('rejects embed after close()', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory });
    await backend.embed(['cat']);
    await backend.close();
    const error = await backend.embed(['cat']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendClosedError);
    expect((error as Error).message).toBe(
      'This local backend is closed: create a new one to embed again.',
    );
  });

  it('reports progress per batch and stops between batches when aborted, with the signal reason', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory, batchSize: 2 });
    const progress: [number, number][] = [];
    await backend.embed(['a', 'b', 'c', 'd', 'e'], {
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(progress).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);

    const controller = new AbortController();
    const reason = new Error('stop');
    const seen: number[] = [];
    const error = await backend
      .embed(['a', 'b', 'c', 'd', 'e'], {
        signal: controller.signal,
        onProgress: (done) => {
          seen.push(done);
          controller.abort(reason);
        },
      })
      .catch((caught: unknown) => caught);
    expect(error).toBe(reason);
    expect(seen).toEqual([2]);

    const aborted = AbortSignal.abort(reason);
    expect(await backend.embed(['a'], { signal: aborted }).catch((caught: unknown) => caught)).toBe(
      reason,
    );
    await backend.close();
  });

  it('validates options at creation and inputs before loading, naming what is wrong', () => {
    expect(() => createLocalBackend({ batchSize: 0 })).toThrow(InvalidInputError);
    expect(() => createLocalBackend({ device: 'gpu' as never })).toThrow(
      expect.objectContaining({ field: 'device' }),
    );
    expect(() => createLocalBackend({ model: 'jina-embeddings-v3' })).toThrow(
      expect.objectContaining({ field: 'model' }),
    );
    expect(() => createLocalBackend({ dtype: 'fp8' as never })).toThrow(
      expect.objectContaining({ field: 'dtype' }),
    );
  });

  it('names the missing file when modelPath is not a complete repository', async () => {
    const partial = await writeTinyModelRepo(join(root, 'partial'), {
      model: 'jina-clip-v1',
      imageSize: 32,
    });
    await unlink(join(partial.directory, 'onnx/vision_model.onnx'));
    const backend = createLocalBackend({ modelPath: partial.directory });
    const error = await backend.embed(['cat']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error).toMatchObject({ file: 'onnx/vision_model.onnx' });
    await backend.close();
  });

  it("works through createBackend({ backend: 'local' })", async () => {
    const backend = createBackend({
      backend: 'local',
      model: 'jina-clip-v2',
      modelPath: v2.directory,
    });
    const { embeddings } = await backend.embed(['snow']);
    expectClose(
      embeddings[0]!,
      normalised(expectedTinyEmbedding(v2, { inputIds: v2Ids(v2, ['\u2581snow']) })),
    );
    expect(backend.model.dimensions).toBe(32);
    await backend.close();
  });
});

describe('createLocalBackend devices', () => {
  it("fails on device: 'cuda' without onnxruntime-node's CUDA binaries, saying how to install them", async () => {
    const backend = createLocalBackend({ modelPath: v1.directory, device: 'cuda' });
    const error = await backend.embed(['cat']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error).toMatchObject({ file: 'onnx/text_model.onnx' });
    expect((error as Error).message).toContain(
      'ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node',
    );
    // What onnxruntime-node's install script does: downloads by default unless skipped.
    expect((error as Error).message).toContain(
      'its install script downloads them on Linux x64 unless the install skipped that',
    );
    await backend.close();
  });

  it("falls back to the CPU with device: 'auto'", async () => {
    const backend = createLocalBackend({ modelPath: v1.directory, device: 'auto', threads: 1 });
    const [vector] = (await backend.embed(['cat'])).embeddings;
    expectClose(vector!, normalised(expectedTinyEmbedding(v1, { inputIds: v1Ids(v1, ['cat']) })));
    await backend.close();
  });
});
