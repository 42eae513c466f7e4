/**
 * Both backends put the same input into the same space: what the api backend uploads (the
 * original, or the model's input square losslessly) preprocesses to exactly the pixels the local
 * backend feeds its vision graph, and both apply tasks by the same rule.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiBackend } from './api/create-api-backend.js';
import type { EmbeddingBackend } from './embedding-backend.js';
import {
  type ImagePreprocessConfig,
  parsePreprocessorConfig,
} from './images/image-preprocess-config.js';
import { preprocessImage } from './images/preprocess-image.js';
import { createLocalBackend } from './local/create-local-backend.js';
import { MODELS } from './models/models.js';
import { type JinaApiServer, startJinaApiServer } from './testing/jina-api-server.js';
import {
  expectedTinyEmbedding,
  tinyPixelValues,
} from './testing/tiny-model-repo/expected-tiny-embedding.js';
import {
  type TinyModelRepo,
  writeTinyModelRepo,
} from './testing/tiny-model-repo/write-tiny-model-repo.js';
import { finishVector } from './vectors.js';

const reference = fileURLToPath(new URL('../test-fixtures/reference/images/', import.meta.url));
let scratch: string;
let server: JinaApiServer;
const backends: EmbeddingBackend[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'jina-clip-parity-'));
  server = await startJinaApiServer();
});
afterAll(async () => {
  await Promise.all(backends.map((backend) => backend.close()));
  await server.close();
  await rm(scratch, { recursive: true, force: true });
});

function track<T extends EmbeddingBackend>(backend: T): T {
  backends.push(backend);
  return backend;
}

/** The image bytes the api backend uploaded in request `index`, input `input`. */
function uploadedBytes(index: number, input = 0): Buffer {
  const body = server.requests[index]!.body as { input: Array<{ image: string }> };
  return Buffer.from(body.input[input]!.image, 'base64');
}

/** Every golden image, and a 1200x800 JPEG photo made from one. */
const IMAGES = [...readdirSync(reference).sort(), 'photo-1200x800.jpg'];

describe.each([
  ['jina-clip-v1', 224],
  ['jina-clip-v2', 512],
] as const)('%s: the service sees what the local backend sees', (model, size) => {
  let repo: TinyModelRepo;
  let config: ImagePreprocessConfig;
  beforeAll(async () => {
    repo = await writeTinyModelRepo(join(scratch, model), { model });
    config = parsePreprocessorConfig(
      JSON.parse(await readFile(join(repo.directory, 'preprocessor_config.json'), 'utf8')),
    );
  });

  it.each(IMAGES)('%s', async (file) => {
    let path = join(reference, file);
    if (file === 'photo-1200x800.jpg') {
      path = join(scratch, `${model}-${file}`);
      await writeFile(
        path,
        await sharp(join(reference, 'coffee.png')).resize(1200, 800).jpeg().toBuffer(),
      );
    }
    const original = await readFile(path);
    const before = server.requests.length;
    const api = track(createApiBackend({ model, baseURL: server.url, apiKey: server.apiKey }));
    const { usage } = await api.embed([{ image: path }]);
    const sent = uploadedBytes(before);

    // Either the original file untouched, or the model's input square, never more pixels.
    const metadata = await sharp(sent).metadata();
    if (!sent.equals(original)) {
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', size, size]);
    }
    const originalSize = (await sharp(original).metadata()).autoOrient;
    const originalPixels = originalSize.width * originalSize.height;
    expect(metadata.autoOrient.width * metadata.autoOrient.height).toBeLessThanOrEqual(
      originalPixels,
    );
    // Billed the fewest tiles a candidate with no more pixels than the original allows.
    const tiles = (width: number, height: number) =>
      Math.ceil(width / size) * Math.ceil(height / size);
    const squareAllowed = size * size <= originalPixels;
    const fewest = squareAllowed ? 1 : tiles(originalSize.width, originalSize.height);
    expect(usage.totalTokens).toBe(fewest * MODELS[model].imageTokensPerTile);

    // The service's preprocessing of what was sent, byte for byte the local backend's of the
    // original (the loopback decoder, sharp, stands in for the service's PIL).
    const servicePixels = await preprocessImage(new Uint8Array(sent), config);
    const localPixels = await preprocessImage(new Uint8Array(original), config);
    expect(servicePixels.data.length).toBe(size * size * 3);
    expect(Buffer.from(servicePixels.data).equals(Buffer.from(localPixels.data))).toBe(true);

    const local = track(createLocalBackend({ model, modelPath: repo.directory }));
    const [vector] = (await local.embed([{ image: path }])).embeddings;
    // The local vector is what the graph computes from exactly the pixels the service sees.
    const expected = finishVector(
      expectedTinyEmbedding(repo, { pixelValues: tinyPixelValues(repo, servicePixels.data) }),
      { normalized: true },
    );
    expect(vector!.length).toBe(expected.length);
    // The graph averages pixel blocks in float32, the reference in float64: 1e-5 apart at most.
    for (let i = 0; i < expected.length; i++) expect(vector![i]).toBeCloseTo(expected[i]!, 4);
  });
});

describe('api and local backends apply tasks by the same rule', () => {
  it('jina-clip-v2: a query gets the instruction (task on the wire, prefix locally); a document nothing', async () => {
    const repo = await writeTinyModelRepo(join(scratch, 'v2-tasks'), { model: 'jina-clip-v2' });
    const api = track(
      createApiBackend({ model: 'jina-clip-v2', baseURL: server.url, apiKey: server.apiKey }),
    );
    const local = track(createLocalBackend({ model: 'jina-clip-v2', modelPath: repo.directory }));
    const before = server.requests.length;
    await api.embed(['sleepy cat'], { task: 'retrieval.query' });
    await api.embed(['sleepy cat'], { task: 'retrieval.passage' });
    await api.embed(['sleepy cat']);
    const bodies = server.requests
      .slice(before)
      .map((request) => request.body as Record<string, unknown>);
    expect(bodies.map((body) => body.task)).toEqual(['retrieval.query', undefined, undefined]);
    expect(bodies.map((body) => 'task' in body)).toEqual([true, false, false]);

    const [query] = (await local.embed(['sleepy cat'], { task: 'retrieval.query' })).embeddings;
    const [prefixed] = (await local.embed([`${repo.queryInstruction}sleepy cat`])).embeddings;
    const [passage] = (await local.embed(['sleepy cat'], { task: 'retrieval.passage' })).embeddings;
    const [document] = (await local.embed(['sleepy cat'])).embeddings;
    expect(Array.from(query!)).toEqual(Array.from(prefixed!));
    expect(Array.from(passage!)).toEqual(Array.from(document!));
    expect(Array.from(query!)).not.toEqual(Array.from(document!));
  });

  it('jina-clip-v1: a task changes nothing on either backend', async () => {
    const repo = await writeTinyModelRepo(join(scratch, 'v1-tasks'), { model: 'jina-clip-v1' });
    const api = track(
      createApiBackend({ model: 'jina-clip-v1', baseURL: server.url, apiKey: server.apiKey }),
    );
    const local = track(createLocalBackend({ model: 'jina-clip-v1', modelPath: repo.directory }));
    const before = server.requests.length;
    const [apiQuery] = (await api.embed(['sleepy cat'], { task: 'retrieval.query' })).embeddings;
    const [apiDocument] = (await api.embed(['sleepy cat'])).embeddings;
    const bodies = server.requests
      .slice(before)
      .map((request) => request.body as Record<string, unknown>);
    expect(bodies.every((body) => !('task' in body) && !('dimensions' in body))).toBe(true);
    expect(Array.from(apiQuery!)).toEqual(Array.from(apiDocument!));
    const [query] = (await local.embed(['sleepy cat'], { task: 'retrieval.query' })).embeddings;
    const [document] = (await local.embed(['sleepy cat'])).embeddings;
    expect(Array.from(query!)).toEqual(Array.from(document!));
  });
});
