import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageLoadError } from '../errors/image-load-error.js';
import {
  expectedTinyEmbedding,
  tinyPixelValues,
} from '../testing/tiny-model-repo/expected-tiny-embedding.js';
import {
  type TinyModelRepo,
  writeTinyModelRepo,
} from '../testing/tiny-model-repo/write-tiny-model-repo.js';
import { createLocalBackend } from './create-local-backend.js';
import { onnxSessionStatistics } from './create-onnx-session.js';

const SIZE = 32;
let root: string;
let v1: TinyModelRepo;
let v2: TinyModelRepo;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-backend-images-'));
  [v1, v2] = await Promise.all([
    writeTinyModelRepo(join(root, 'v1'), { model: 'jina-clip-v1', imageSize: SIZE }),
    writeTinyModelRepo(join(root, 'v2'), { model: 'jina-clip-v2', imageSize: SIZE }),
  ]);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Width x height RGB bytes where every pixel and channel differs, varying with `seed`. */
function pattern(width: number, height: number, seed: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 29 + seed * 53 + ((i * i) % 241)) % 256;
  return rgb;
}

/** A lossless PNG of raw RGB bytes. */
async function png(
  rgb: Uint8Array,
  width: number,
  height: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const encoded = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
  return Uint8Array.from(encoded);
}

/** Columns [left, left + SIZE) of a SIZE-high image `width` wide. */
function cropColumns(rgb: Uint8Array, width: number, left: number): Uint8Array {
  const out = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    out.set(rgb.subarray((y * width + left) * 3, (y * width + left + SIZE) * 3), y * SIZE * 3);
  }
  return out;
}

function normalised(vector: Float32Array): number[] {
  const norm = Math.hypot(...vector);
  return Array.from(vector, (value) => value / norm);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5) {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...Array.from(expected, (value, i) => Math.abs(actual[i]! - value)));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe('createLocalBackend images', () => {
  it('embeds a model-sized image exactly as the vision graph computes it (v1)', async () => {
    const rgb = pattern(SIZE, SIZE, 1);
    const backend = createLocalBackend({ modelPath: v1.directory });
    const { embeddings, usage } = await backend.embed([{ image: await png(rgb, SIZE, SIZE) }]);
    expectClose(
      embeddings[0]!,
      normalised(expectedTinyEmbedding(v1, { pixelValues: tinyPixelValues(v1, rgb) })),
    );
    expect(usage.totalTokens).toBe(0);
    await backend.close();
  });

  it('gives each of several concurrent calls its own pixels (pixel buffers are reused only after a run)', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory, imageWorkers: 0 });
    const images = await Promise.all(
      [11, 12, 13, 14].map(async (seed) => ({
        seed,
        bytes: await png(pattern(SIZE, SIZE, seed), SIZE, SIZE),
      })),
    );
    // Twice over, so that the second round runs on buffers the first handed back.
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all(
        images.map(({ bytes }) => backend.embed([{ image: bytes }, { image: bytes }])),
      );
      results.forEach(({ embeddings }, index) => {
        const want = normalised(
          expectedTinyEmbedding(v1, {
            pixelValues: tinyPixelValues(v1, pattern(SIZE, SIZE, images[index]!.seed)),
          }),
        );
        expectClose(embeddings[0]!, want);
        expectClose(embeddings[1]!, want);
      });
    }
    await backend.close();
  });

  it('centre-crops a wide image to the middle columns (a wrong crop or channel order fails)', async () => {
    const width = SIZE * 2;
    const rgb = pattern(width, SIZE, 2);
    const backend = createLocalBackend({ modelPath: v1.directory });
    const { embeddings } = await backend.embed([{ image: await png(rgb, width, SIZE) }]);
    const centre = cropColumns(rgb, width, SIZE / 2);
    expectClose(
      embeddings[0]!,
      normalised(expectedTinyEmbedding(v1, { pixelValues: tinyPixelValues(v1, centre) })),
    );
    // The left crop, or the centre with its channels swapped, are measurably different vectors.
    const left = normalised(
      expectedTinyEmbedding(v1, { pixelValues: tinyPixelValues(v1, cropColumns(rgb, width, 0)) }),
    );
    const bgr = centre.slice();
    for (let i = 0; i < bgr.length; i += 3) [bgr[i], bgr[i + 2]] = [centre[i + 2]!, centre[i]!];
    const swapped = normalised(
      expectedTinyEmbedding(v1, { pixelValues: tinyPixelValues(v1, bgr) }),
    );
    for (const wrong of [left, swapped]) {
      expect(
        Math.max(...wrong.map((value, i) => Math.abs(value - embeddings[0]![i]!))),
      ).toBeGreaterThan(1e-2);
    }
    await backend.close();
  });

  it('reads images from paths too, and mixes texts and images in input order (v2)', async () => {
    const rgbs = [pattern(SIZE, SIZE, 3), pattern(SIZE, SIZE, 4), pattern(SIZE, SIZE, 5)];
    const path = join(root, 'image.png');
    await writeFile(path, await png(rgbs[1]!, SIZE, SIZE));
    const backend = createLocalBackend({
      model: 'jina-clip-v2',
      modelPath: v2.directory,
      batchSize: 2,
    });
    const { embeddings } = await backend.embed([
      'snow',
      { image: await png(rgbs[0]!, SIZE, SIZE) },
      { image: path },
      { text: 'red flower' },
      { image: new Blob([await png(rgbs[2]!, SIZE, SIZE)]) },
    ]);
    const image = (rgb: Uint8Array) =>
      normalised(expectedTinyEmbedding(v2, { pixelValues: tinyPixelValues(v2, rgb) }));
    const v = v2.vocabulary;
    expectClose(
      embeddings[0]!,
      normalised(expectedTinyEmbedding(v2, { inputIds: [0, v.get('\u2581snow')!, 2] })),
    );
    expectClose(embeddings[1]!, image(rgbs[0]!));
    expectClose(embeddings[2]!, image(rgbs[1]!));
    expectClose(
      embeddings[3]!,
      normalised(
        expectedTinyEmbedding(v2, {
          inputIds: [0, v.get('\u2581red')!, v.get('\u2581flower')!, 2],
        }),
      ),
    );
    expectClose(embeddings[4]!, image(rgbs[2]!));
    await backend.close();
  });

  it('gives an image the same vector alone and in a mixed batch (batch invariance)', async () => {
    const target = await png(pattern(SIZE, SIZE, 6), SIZE, SIZE);
    const backend = createLocalBackend({
      model: 'jina-clip-v2',
      modelPath: v2.directory,
      batchSize: 3,
    });
    const alone = (await backend.embed([{ image: target }])).embeddings[0]!;
    const others = await Promise.all(
      [7, 8, 9].map((seed) => png(pattern(SIZE * 2, SIZE, seed), SIZE * 2, SIZE)),
    );
    const mixed = await backend.embed([
      { image: others[0]! },
      'a long text about the sea and the mountain in the summer',
      { image: target },
      { image: others[1]! },
      { image: others[2]! },
    ]);
    expectClose(mixed.embeddings[2]!, alone);
    await backend.close();
  });

  it('opens the vision tower only for images, and close() releases every session it opened', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory });
    const before = { ...onnxSessionStatistics };
    await backend.embed(['cat']);
    expect(onnxSessionStatistics.created - before.created).toBe(1);
    await backend.embed([{ image: await png(pattern(SIZE, SIZE, 10), SIZE, SIZE) }, 'dog']);
    expect(onnxSessionStatistics.created - before.created).toBe(2);
    await backend.close();
    expect(onnxSessionStatistics.released - before.released).toBe(2);
  });

  it('stops between image batches when aborted, rejecting with the signal reason', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory, batchSize: 1 });
    const images = await Promise.all(
      [11, 12, 13].map((seed) => png(pattern(SIZE, SIZE, seed), SIZE, SIZE)),
    );
    const controller = new AbortController();
    const reason = new Error('enough');
    const progress: number[] = [];
    const error = await backend
      .embed(
        images.map((image) => ({ image })),
        {
          signal: controller.signal,
          onProgress: (done) => {
            progress.push(done);
            controller.abort(reason);
          },
        },
      )
      .catch((caught: unknown) => caught);
    expect(error).toBe(reason);
    expect(progress).toEqual([1]);
    await backend.close();
  });

  it('refuses an SVG, an image over maxImagePixels and a loopback URL, naming the input', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory, maxImagePixels: 40 * 40 });
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="16000" height="16000"><rect width="1" height="1"/></svg>',
    );
    const failure = (input: unknown) =>
      backend.embed(['cat', { image: input as Uint8Array }]).catch((caught: unknown) => caught);
    expect(await failure(svg)).toMatchObject({
      name: 'ImageLoadError',
      inputIndex: 1,
      reason: 'unsupported-format',
    });
    expect(await failure(await png(pattern(41, 40, 1), 41, 40))).toMatchObject({
      name: 'ImageLoadError',
      inputIndex: 1,
      reason: 'too-many-pixels',
      limit: 1600,
    });
    // The local backend always downloads URLs: a private address is refused before connecting.
    expect(await failure('http://127.0.0.1:9/cat.png')).toMatchObject({
      name: 'ImageLoadError',
      inputIndex: 1,
      reason: 'blocked-address',
    });
    const { embeddings } = await backend.embed([{ image: await png(pattern(40, 40, 1), 40, 40) }]);
    expect(embeddings).toHaveLength(1);
    await backend.close();
  });

  it('names the input of an image that cannot be decoded', async () => {
    const backend = createLocalBackend({ modelPath: v1.directory });
    const error = await backend
      .embed(['cat', { image: new Uint8Array([1, 2, 3, 4]) }])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImageLoadError);
    expect(error).toMatchObject({ inputIndex: 1, reason: 'undecodable' });
    await backend.close();
  });
});
