/**
 * Both backends put the same input into the same space: the api backend uploads exactly the
 * pixels the local backend feeds its vision graph, and both apply tasks by the same rule.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiBackend } from './api/create-api-backend.js';
import type { EmbeddingBackend } from './embedding-backend.js';
import { parsePreprocessorConfig } from './images/image-preprocess-config.js';
import { preprocessImage } from './images/preprocess-image.js';
import { createLocalBackend } from './local/create-local-backend.js';
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

/** The pixels of the image the api backend uploaded in request `index`, input `input`. */
async function uploadedPixels(index: number, input = 0): Promise<Uint8Array> {
  const body = server.requests[index]!.body as { input: Array<{ image: string }> };
  const { data, info } = await sharp(Buffer.from(body.input[input]!.image, 'base64'))
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return new Uint8Array(data);
}

describe.each([
  ['jina-clip-v1', 224],
  ['jina-clip-v2', 512],
] as const)('%s: api and local backends see the same image', (model, size) => {
  let repo: TinyModelRepo;
  beforeAll(async () => {
    repo = await writeTinyModelRepo(join(scratch, model), { model });
  });

  it.each([
    ['a 1200x800 JPEG photo', 'coffee.png', 1200, 800],
    ['an EXIF-rotated JPEG', 'chelsea_exif6.jpg', undefined, undefined],
    ['a CMYK JPEG', 'coffee_cmyk.jpg', undefined, undefined],
    ['an RGBA PNG', 'astronaut_rgba.png', undefined, undefined],
  ])('%s', async (_label, file, width, height) => {
    let path = join(reference, file);
    if (width !== undefined && height !== undefined) {
      path = join(scratch, `${model}-${width}x${height}.jpg`);
      await writeFile(
        path,
        await sharp(join(reference, file)).resize(width, height).jpeg().toBuffer(),
      );
    }
    const before = server.requests.length;
    const api = track(createApiBackend({ model, baseURL: server.url, apiKey: server.apiKey }));
    await api.embed([{ image: path }]);
    const pixels = await uploadedPixels(before);
    expect(pixels.length).toBe(size * size * 3);

    // Byte for byte the pixels the local backend computes from the repository's own config.
    const config = parsePreprocessorConfig(
      JSON.parse(await readFile(join(repo.directory, 'preprocessor_config.json'), 'utf8')),
    );
    const localPixels = await preprocessImage(new Uint8Array(await readFile(path)), config);
    expect(Buffer.from(localPixels.data).equals(Buffer.from(pixels))).toBe(true);

    const local = track(createLocalBackend({ model, modelPath: repo.directory }));
    const [vector] = (await local.embed([{ image: path }])).embeddings;
    // The local vector is what the graph computes from exactly the uploaded pixels.
    const expected = finishVector(
      expectedTinyEmbedding(repo, { pixelValues: tinyPixelValues(repo, pixels) }),
      { normalized: true },
    );
    expect(vector!.length).toBe(expected.length);
    // The graph averages 128 x 128 pixel blocks at 512 px in float32; the reference in float64.
    const digits = size === 224 ? 5 : 4;
    for (let i = 0; i < expected.length; i++) expect(vector![i]).toBeCloseTo(expected[i]!, digits);
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
