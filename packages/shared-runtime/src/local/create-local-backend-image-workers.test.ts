import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPreprocessConfig } from '../images/image-preprocess-config.js';
import { preprocessImage } from '../images/preprocess-image.js';
import { MODELS } from '../models/models.js';
import {
  expectedTinyEmbedding,
  tinyPixelValues,
} from '../testing/tiny-model-repo/expected-tiny-embedding.js';
import {
  type TinyModelRepo,
  writeTinyModelRepo,
} from '../testing/tiny-model-repo/write-tiny-model-repo.js';
import { createLocalBackend } from './create-local-backend.js';

const SIZE = 32;
const REFERENCE = join(import.meta.dirname, '..', '..', 'test-fixtures', 'reference', 'images');
let root: string;
let repo: TinyModelRepo;
let photo: Buffer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-backend-image-workers-'));
  repo = await writeTinyModelRepo(join(root, 'v1'), { model: 'jina-clip-v1', imageSize: SIZE });
  // 640x480 to 32 px: 15x larger, so pre-shrunk on load unless exactImages.
  photo = await sharp(readFileSync(join(REFERENCE, 'motorcycle_left.png')))
    .resize(640, 480, { fit: 'fill' })
    .jpeg({ quality: 90 })
    .toBuffer();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The unit vector the tiny graph gives the image `preprocessImage` makes of `bytes`. */
async function expectedVector(bytes: Uint8Array, exact: boolean): Promise<number[]> {
  const config = defaultPreprocessConfig({ ...MODELS['jina-clip-v1'], imageSize: SIZE });
  const image = await preprocessImage(bytes, config, { exact });
  const vector = expectedTinyEmbedding(repo, { pixelValues: tinyPixelValues(repo, image.data) });
  const norm = Math.hypot(...vector);
  return Array.from(vector, (value) => value / norm);
}

function worstDifference(actual: ArrayLike<number>, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  return Math.max(...expected.map((value, index) => Math.abs(actual[index]! - value)));
}

describe('createLocalBackend imageWorkers and exactImages', () => {
  it.each([0, 1, 3])(
    'imageWorkers %i: the same vectors, default path and exact path alike',
    async (imageWorkers) => {
      const fast = await expectedVector(photo, false);
      const exact = await expectedVector(photo, true);
      // The two paths differ on this photo: each test below tells them apart.
      expect(worstDifference(fast, exact)).toBeGreaterThan(1e-4);
      for (const [exactImages, expected] of [
        [false, fast],
        [true, exact],
      ] as const) {
        const backend = createLocalBackend({
          modelPath: repo.directory,
          imageWorkers,
          exactImages,
        });
        const images = [1, 2, 3, 4, 5].map(() => ({ image: photo }));
        const { embeddings } = await backend.embed([...images, 'a text']);
        await backend.close();
        for (const vector of embeddings.slice(0, 5)) {
          expect(worstDifference(vector!, expected)).toBeLessThanOrEqual(1e-5);
        }
      }
    },
  );

  it("hands the bytes it read to the workers without a copy, and never detaches a caller's array", async () => {
    const path = join(root, 'photo.jpg');
    await writeFile(path, photo);
    const expected = await expectedVector(photo, false);
    const array = new Uint8Array(photo);
    const arrayBuffer = array.slice().buffer;
    const blob = new Blob([array.slice()]);
    const backend = createLocalBackend({ modelPath: repo.directory, imageWorkers: 2 });
    const { embeddings } = await backend.embed([
      { image: array },
      { image: arrayBuffer },
      { image: blob },
      { image: path },
      { image: `data:image/jpeg;base64,${photo.toString('base64')}` },
    ]);
    await backend.close();
    for (const vector of embeddings) {
      expect(worstDifference(vector!, expected)).toBeLessThanOrEqual(1e-5);
    }
    // The caller's arrays still hold the photo, whole.
    expect(Buffer.compare(Buffer.from(array), photo)).toBe(0);
    expect(arrayBuffer.byteLength).toBe(photo.length);
    expect(Buffer.compare(Buffer.from(arrayBuffer), photo)).toBe(0);
  });
});
