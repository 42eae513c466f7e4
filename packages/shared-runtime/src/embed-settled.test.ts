import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiBackend } from './api/create-api-backend.js';
import { embedSettled } from './embed-settled.js';
import type { EmbeddingBackend } from './embedding-backend.js';
import {
  ApiError,
  AuthenticationError,
  BackendClosedError,
  ImageLoadError,
  InvalidInputError,
} from './errors/index.js';
import type { EmbeddingInput } from './inputs/embedding-input.js';
import { createLocalBackend } from './local/create-local-backend.js';
import { type JinaApiServer, startJinaApiServer } from './testing/jina-api-server.js';
import { loopbackApiOptions } from './testing/loopback-api-options.js';
import {
  type TinyModelRepo,
  writeTinyModelRepo,
} from './testing/tiny-model-repo/write-tiny-model-repo.js';
import { type TestImage, writeTestImages } from './testing/write-test-images.js';

let server: JinaApiServer;
let repo: TinyModelRepo;
let folder: string;
let images: TestImage[];
let brokenJpeg: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'embed-settled-'));
  server = await startJinaApiServer();
  repo = await writeTinyModelRepo(join(folder, 'repo'), { model: 'jina-clip-v1' });
  images = await writeTestImages(undefined, { directory: join(folder, 'images') });
  // A JPEG that starts right and then is garbage: sharp cannot decode it.
  brokenJpeg = join(folder, 'broken.jpg');
  await writeFile(brokenJpeg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3, 4, 5, 6, 7]));
});
afterAll(async () => {
  await server.close();
  await rm(folder, { recursive: true, force: true });
});

/** 30 inputs: texts and images, a corrupt JPEG at 17. */
function inputsWithOneBad(): EmbeddingInput[] {
  return Array.from({ length: 30 }, (_, index): EmbeddingInput => {
    if (index === 17) return { image: brokenJpeg };
    if (index % 5 === 0) return { image: images[(index / 5) % images.length]!.path };
    return `text number ${index}`;
  });
}

const backends: Array<[string, () => EmbeddingBackend]> = [
  ['api', () => createApiBackend({ ...loopbackApiOptions(server), batchSize: 8 })],
  ['local', () => createLocalBackend({ modelPath: repo.directory, batchSize: 8 })],
];

describe.each(backends)('embedSettled on the %s backend', (_name, create) => {
  it('keeps every good vector and returns the bad input its own ImageLoadError', async () => {
    const backend = create();
    const inputs = inputsWithOneBad();
    server.reset();
    const progress: number[] = [];
    const { results, usage } = await embedSettled(backend, inputs, {
      chunkSize: 8,
      onProgress: (done) => progress.push(done),
    });
    const apiRequests = server.requests.length;
    const good = inputs.filter((_, index) => index !== 17);
    const reference = await backend.embed(good);
    await backend.close();

    expect(results).toHaveLength(30);
    const bad = results[17]!;
    expect(bad.status).toBe('rejected');
    const error = (bad as { error: unknown }).error;
    expect(error).toBeInstanceOf(ImageLoadError);
    expect(error).toMatchObject({ name: 'ImageLoadError', inputIndex: 17 });
    expect((error as Error).message).toMatch(/^Input 17: /);
    const vectors = results.flatMap((result) =>
      result.status === 'fulfilled' ? [result.embedding] : [],
    );
    expect(vectors).toEqual(reference.embeddings);
    expect(usage.totalTokens).toBe(reference.usage.totalTokens);
    expect(progress.at(-1)).toBe(30);
    if (_name === 'api') {
      // Four chunks of 8 (the bad one's chunk sent once, without it): no batch sent twice.
      expect(apiRequests).toBe(4);
    }
  });

  it('rejects invalid inputs up front, by their own index, and embeds the rest', async () => {
    const backend = create();
    const { results } = await embedSettled(backend, ['a', { image: 42 } as never, '', 'b']);
    await backend.close();
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect((results[1] as { error: unknown }).error).toBeInstanceOf(InvalidInputError);
    expect((results[1] as { error: unknown }).error).toMatchObject({ inputIndex: 1 });
    expect((results[2] as { error: unknown }).error).toMatchObject({ inputIndex: 2 });
  });

  it('rejects as a whole for the caller abort, with its reason', async () => {
    const reason = new Error('stop');
    const backend = create();
    await expect(embedSettled(backend, ['a'], { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    await backend.close();
  });
});

describe('embedSettled against server-side failures', () => {
  it('rejects as a whole for a closed backend', async () => {
    const backend = createApiBackend(loopbackApiOptions(server));
    await backend.close();
    await expect(embedSettled(backend, ['a', 'b'])).rejects.toBeInstanceOf(BackendClosedError);
  });

  it('splits a chunk the server refuses with a 400 down to the bad input, never re-sending a success', async () => {
    const backend = createApiBackend(loopbackApiOptions(server));
    const refuse = {
      status: 400,
      body: { detail: 'Input 0: the image could not be decoded', code: 'INVALID_IMAGE' },
    };
    const answer = { delayMs: 0 };
    // One call at a time, so requests go in this order: [0-7] refused; [0-3] refused; [4-7] ok;
    // [0,1] refused; [2,3] ok; [0] refused; [1] ok: a server that cannot take input 0.
    server.reset();
    server.fail(refuse, refuse, answer, refuse, answer, refuse, answer);
    const inputs = Array.from({ length: 8 }, (_, index) => `text ${index}`);
    const { results } = await embedSettled(backend, inputs, { chunkSize: 8, concurrency: 1 });
    await backend.close();
    expect(results.map((result) => result.status)).toEqual([
      'rejected',
      ...Array(7).fill('fulfilled'),
    ]);
    expect((results[0] as { error: unknown }).error).toBeInstanceOf(ApiError);
    expect((results[0] as { error: unknown }).error).toMatchObject({
      status: 400,
      code: 'INVALID_IMAGE',
    });
    const sentOk = server.requests
      .filter((request) => request.status === 200)
      .flatMap((request) => (request.body as { input: Array<{ text: string }> }).input)
      .map((input) => input.text)
      .sort();
    expect(sentOk).toEqual(inputs.slice(1)); // each good input in exactly one successful request
    expect(server.requests).toHaveLength(7);
  });

  it('rejects every input of a chunk with an error no input caused, without splitting', async () => {
    const backend = createApiBackend({ ...loopbackApiOptions(server), apiKey: 'jina_wrong' });
    server.reset();
    const { results } = await embedSettled(backend, ['a', 'b', 'c'], { chunkSize: 3 });
    await backend.close();
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as { error: unknown }).error).toBeInstanceOf(AuthenticationError);
    }
    expect(server.requests).toHaveLength(1);
  });

  it('names a bad chunkSize', async () => {
    const backend = createApiBackend(loopbackApiOptions(server));
    await expect(embedSettled(backend, ['a'], { chunkSize: 0 })).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'chunkSize',
    });
    await backend.close();
  });
});
