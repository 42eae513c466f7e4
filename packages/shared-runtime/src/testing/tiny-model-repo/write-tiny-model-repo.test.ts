import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors/invalid-input-error.js';
import { expectedTinyEmbedding, tinyPixelValues } from './expected-tiny-embedding.js';
import { type TinyModelRepo, writeTinyModelRepo } from './write-tiny-model-repo.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tiny-model-repo-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const int64Tensor = (rows: number[][]) => {
  const length = rows[0]!.length;
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [
    rows.length,
    length,
  ]);
};

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tolerance);
  }
}

/** A deterministic RGB image whose every pixel differs in every channel. */
function patternRgb(size: number, seed: number): Uint8Array {
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37 + seed * 101 + ((i * i) % 251)) % 256;
  return rgb;
}

async function readJson(repo: TinyModelRepo, file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(repo.directory, file), 'utf8')) as Record<string, unknown>;
}

describe('writeTinyModelRepo (jina-clip-v1)', () => {
  it('writes the Hub layout with the real v1 signatures, and the graphs compute what the JS reference says', async () => {
    const repo = await writeTinyModelRepo(join(root, 'v1'), {
      model: 'jina-clip-v1',
      imageSize: 32,
      dtypes: ['fp32', 'q8'],
    });
    expect(repo.files).toEqual([
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'preprocessor_config.json',
      'onnx/text_model.onnx',
      'onnx/vision_model.onnx',
      'onnx/text_model_quantized.onnx',
      'onnx/vision_model_quantized.onnx',
    ]);
    expect(await readJson(repo, 'preprocessor_config.json')).toMatchObject({
      size: 32,
      resize_mode: 'shortest',
      interpolation: 'bicubic',
      fill_color: 0,
      mean: [0.48145466, 0.4578275, 0.40821073],
      std: [0.26862954, 0.26130258, 0.27577711],
    });

    const text = await ort.InferenceSession.create(join(repo.directory, 'onnx/text_model.onnx'));
    expect(text.inputNames).toEqual(['input_ids', 'attention_mask']);
    expect(text.outputNames).toEqual(['text_embeds']);
    expect(text.inputMetadata[0]).toMatchObject({
      type: 'int64',
      shape: ['batch_size', 'sequence_length'],
    });
    expect(text.outputMetadata[0]).toMatchObject({ type: 'float32', shape: ['batch_size', 16] });

    // Two rows, the second padded: padding must not move it.
    const ids = [
      [2, 40, 41, 42, 3],
      [2, 50, 3, 0, 0],
    ];
    const result = await text.run({
      input_ids: int64Tensor(ids),
      attention_mask: int64Tensor([
        [1, 1, 1, 1, 1],
        [1, 1, 1, 0, 0],
      ]),
    });
    const embeds = result.text_embeds!.data as Float32Array;
    expectClose(embeds.subarray(0, 16), expectedTinyEmbedding(repo, { inputIds: ids[0]! }));
    expectClose(embeds.subarray(16), expectedTinyEmbedding(repo, { inputIds: [2, 50, 3] }));
    await text.release();

    const vision = await ort.InferenceSession.create(
      join(repo.directory, 'onnx/vision_model.onnx'),
    );
    expect(vision.inputNames).toEqual(['pixel_values']);
    expect(vision.outputNames).toEqual(['image_embeds']);
    expect(vision.inputMetadata[0]).toMatchObject({
      type: 'float32',
      shape: ['batch_size', 3, 32, 32],
    });
    const pixels = tinyPixelValues(repo, patternRgb(32, 1));
    const images = await vision.run({
      pixel_values: new ort.Tensor('float32', pixels, [1, 3, 32, 32]),
    });
    expectClose(
      images.image_embeds!.data as Float32Array,
      expectedTinyEmbedding(repo, { pixelValues: pixels }),
    );
    await vision.release();
  });

  it('derives the mask from input_ids != [PAD] when the text graph has no attention_mask', async () => {
    const repo = await writeTinyModelRepo(join(root, 'v1-no-mask'), {
      model: 'jina-clip-v1',
      attentionMask: false,
      imageSize: 32,
    });
    const text = await ort.InferenceSession.create(join(repo.directory, 'onnx/text_model.onnx'));
    expect(text.inputNames).toEqual(['input_ids']);
    const result = await text.run({ input_ids: int64Tensor([[2, 50, 3, 0, 0, 0]]) });
    expectClose(
      result.text_embeds!.data as Float32Array,
      expectedTinyEmbedding(repo, { inputIds: [2, 50, 3] }),
    );
    await text.release();
  });

  it('ships a BERT WordPiece tokenizer.json that the tokenizer library reads', async () => {
    const repo = await writeTinyModelRepo(join(root, 'v1-tokenizer'), {
      model: 'jina-clip-v1',
      imageSize: 32,
    });
    const tokenizer = new Tokenizer(
      await readJson(repo, 'tokenizer.json'),
      await readJson(repo, 'tokenizer_config.json'),
    );
    const v = repo.vocabulary;
    expect(tokenizer.encode('A photo of Cats!').ids).toEqual([
      v.get('[CLS]'),
      v.get('a'),
      v.get('photo'),
      v.get('of'),
      v.get('cats'),
      v.get('!'),
      v.get('[SEP]'),
    ]);
    // Unknown words fall back to letter pieces, accents are stripped, other scripts give [UNK].
    expect(tokenizer.encode('zyx é 猫').ids).toEqual([
      2,
      v.get('z'),
      v.get('##y'),
      v.get('##x'),
      v.get('e'),
      1,
      3,
    ]);
    expect([v.get('[PAD]'), v.get('[UNK]'), v.get('[CLS]'), v.get('[SEP]')]).toEqual([0, 1, 2, 3]);
  });
});

describe('writeTinyModelRepo (jina-clip-v2)', () => {
  it('writes one graph with external weights, both inputs, four outputs, and the v2 config', async () => {
    const repo = await writeTinyModelRepo(join(root, 'v2'), {
      model: 'jina-clip-v2',
      imageSize: 64,
    });
    expect(repo.files).toEqual([
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'preprocessor_config.json',
      'onnx/model.onnx',
      'onnx/model.onnx_data',
    ]);
    // Every weight lives in the external file: the graph file is only the structure.
    const weightBytes =
      (repo.weights.tokenEmbedding.length +
        repo.weights.textProjection.length +
        repo.weights.visionProjection.length) *
      4;
    expect((await stat(join(repo.directory, 'onnx/model.onnx_data'))).size).toBeGreaterThanOrEqual(
      weightBytes,
    );
    expect((await stat(join(repo.directory, 'onnx/model.onnx'))).size).toBeLessThan(4096);

    const config = await readJson(repo, 'config.json');
    expect(config.matryoshka_dimensions).toEqual([2, 4, 8, 16]);
    expect(config).toMatchObject({
      text_config: {
        hf_model_config_kwargs: {
          task_instructions: {
            'retrieval.query': 'Represent the query for retrieving evidence documents: ',
          },
        },
      },
      vision_config: { image_size: 64 },
    });

    const session = await ort.InferenceSession.create(join(repo.directory, 'onnx/model.onnx'));
    expect(session.inputNames).toEqual(['input_ids', 'pixel_values']);
    expect(session.outputNames).toEqual([
      'text_embeddings',
      'image_embeddings',
      'l2norm_text_embeddings',
      'l2norm_image_embeddings',
    ]);
    // Texts with an empty image batch, padded with <pad> = 1.
    const texts = await session.run({
      input_ids: int64Tensor([
        [0, 40, 41, 2],
        [0, 60, 2, 1],
      ]),
      pixel_values: new ort.Tensor('float32', new Float32Array(0), [0, 3, 64, 64]),
    });
    expect(texts.image_embeddings!.dims).toEqual([0, 16]);
    const embeddings = texts.text_embeddings!.data as Float32Array;
    const first = expectedTinyEmbedding(repo, { inputIds: [0, 40, 41, 2] });
    expectClose(embeddings.subarray(0, 16), first);
    expectClose(embeddings.subarray(16), expectedTinyEmbedding(repo, { inputIds: [0, 60, 2] }));
    const norm = Math.hypot(...first);
    expectClose(
      (texts.l2norm_text_embeddings!.data as Float32Array).subarray(0, 16),
      first.map((x) => x / norm),
    );

    // Images with a one-token text batch.
    const pixels = tinyPixelValues(repo, patternRgb(64, 2));
    const images = await session.run({
      input_ids: int64Tensor([[0, 2]]),
      pixel_values: new ort.Tensor('float32', pixels, [1, 3, 64, 64]),
    });
    expectClose(
      images.image_embeddings!.data as Float32Array,
      expectedTinyEmbedding(repo, { pixelValues: pixels }),
    );
    await session.release();
  });

  it('ships an XLM-R style Unigram tokenizer.json with <s>=0 <pad>=1 </s>=2 <unk>=3', async () => {
    const repo = await writeTinyModelRepo(join(root, 'v2-tokenizer'), {
      model: 'jina-clip-v2',
      imageSize: 32,
    });
    const tokenizer = new Tokenizer(
      await readJson(repo, 'tokenizer.json'),
      await readJson(repo, 'tokenizer_config.json'),
    );
    const v = repo.vocabulary;
    expect(tokenizer.encode('A photo of cats').ids).toEqual([
      0,
      v.get('\u2581A'),
      v.get('\u2581photo'),
      v.get('\u2581of'),
      v.get('\u2581cats'),
      2,
    ]);
    expect(
      tokenizer.encode('Represent the query for retrieving evidence documents: x').tokens,
    ).toEqual([
      '<s>',
      '\u2581Represent',
      '\u2581the',
      '\u2581query',
      '\u2581for',
      '\u2581retrieving',
      '\u2581evidence',
      '\u2581documents',
      ':',
      '\u2581x',
      '</s>',
    ]);
    expect(tokenizer.encode('猫').ids).toEqual([0, v.get('\u2581'), 3, 2]);
  });
});

describe('writeTinyModelRepo options', () => {
  it('rejects an image size the patch grid does not divide, naming the field', async () => {
    const error = await writeTinyModelRepo(join(root, 'bad'), {
      model: 'jina-clip-v1',
      imageSize: 30,
      patchGrid: 4,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'patchGrid' });
  });

  it('is deterministic: the same options give the same weights', async () => {
    const first = await writeTinyModelRepo(join(root, 'same-1'), {
      model: 'jina-clip-v1',
      imageSize: 32,
    });
    const second = await writeTinyModelRepo(join(root, 'same-2'), {
      model: 'jina-clip-v1',
      imageSize: 32,
    });
    expect(second.weights).toEqual(first.weights);
    expect(await readFile(join(second.directory, 'onnx/text_model.onnx'))).toEqual(
      await readFile(join(first.directory, 'onnx/text_model.onnx')),
    );
  });
});
