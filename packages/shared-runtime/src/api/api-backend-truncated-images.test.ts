import { Buffer } from 'node:buffer';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { embedSettled } from '../embed-settled.js';
import type { EmbeddingBackend } from '../embedding-backend.js';
import { ImageLoadError } from '../errors/index.js';
import type { EmbeddingInput } from '../inputs/embedding-input.js';
import { createLocalBackend } from '../local/create-local-backend.js';
import { type JinaApiServer, startJinaApiServer } from '../testing/jina-api-server.js';
import { loopbackApiOptions } from '../testing/loopback-api-options.js';
import {
  type TinyModelRepo,
  writeTinyModelRepo,
} from '../testing/tiny-model-repo/write-tiny-model-repo.js';
import type { ApiBackendOptions } from './api-backend-options.js';
import { createApiBackend } from './create-api-backend.js';

let server: JinaApiServer;
let repo: TinyModelRepo;
let folder: string;
/** Valid files, each at most the v1 model square (224 px), so they would go untouched. */
const good: Record<'png' | 'jpeg' | 'large', string> = { png: '', jpeg: '', large: '' };
/** The same files cut to 60 % of their bytes: headers intact, rows missing. */
const truncated: Record<'png' | 'jpeg', string> = { png: '', jpeg: '' };
const backends: EmbeddingBackend[] = [];

/** An image with structure in it, as `format`, made with sharp. */
function makeImage(width: number, height: number, format: 'png' | 'jpeg'): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let index = 0; index < pixels.length; index++) pixels[index] = (index * 37) & 0xff;
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    [format]()
    .toBuffer();
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'api-truncated-images-'));
  server = await startJinaApiServer();
  repo = await writeTinyModelRepo(join(folder, 'repo'), { model: 'jina-clip-v1' });
  for (const format of ['png', 'jpeg'] as const) {
    const bytes = await makeImage(100, 80, format);
    good[format] = join(folder, `good.${format}`);
    truncated[format] = join(folder, `truncated.${format}`);
    await writeFile(good[format], bytes);
    await writeFile(truncated[format], bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  }
  good.large = join(folder, 'large.jpeg');
  await writeFile(good.large, await makeImage(600, 400, 'jpeg'));
});
afterAll(async () => {
  await server.close();
  await rm(folder, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(backends.splice(0).map((backend) => backend.close()));
  server.reset();
});

function apiBackend(options: ApiBackendOptions = {}): EmbeddingBackend {
  const created = createApiBackend({
    ...loopbackApiOptions(server),
    model: 'jina-clip-v1',
    ...options,
  });
  backends.push(created);
  return created;
}

function localBackend(): EmbeddingBackend {
  const created = createLocalBackend({ modelPath: repo.directory });
  backends.push(created);
  return created;
}

/** The error `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('the call resolved'),
    (error: unknown) => error,
  );
}

describe.each([
  ['resizeImages: true (the file is at most the model square, so it would go untouched)', true],
  ['resizeImages: false', false],
] as const)('createApiBackend with truncated images, %s', (_label, resizeImages) => {
  it.each(['png', 'jpeg'] as const)(
    'refuses a truncated %s before any request, with the local backend reason',
    async (format) => {
      // The loopback server decodes what it can of these files: sent, they would get vectors.
      const inputs: EmbeddingInput[] = [
        'a text',
        { image: good[format] },
        { image: truncated[format] },
      ];
      const apiError = await rejection(apiBackend({ resizeImages }).embed(inputs));
      expect(server.requests).toHaveLength(0);
      const localError = await rejection(localBackend().embed(inputs));

      expect(apiError).toBeInstanceOf(ImageLoadError);
      expect(localError).toBeInstanceOf(ImageLoadError);
      expect(apiError).toMatchObject({ inputIndex: 2, reason: 'undecodable' });
      expect((apiError as ImageLoadError).reason).toBe((localError as ImageLoadError).reason);
      expect((apiError as Error).message).toMatch(/^Input 2: cannot decode image .*truncated\./);
    },
  );

  it('embedSettled embeds the good inputs and returns each truncated file its own error', async () => {
    const backend = apiBackend({ resizeImages });
    const inputs: EmbeddingInput[] = [
      { image: truncated.png },
      'a text',
      { image: good.png },
      { image: truncated.jpeg },
      { image: good.jpeg },
      { image: good.large },
    ];
    const { results } = await embedSettled(backend, inputs);
    const reference = await backend.embed(inputs.filter((_, index) => index !== 0 && index !== 3));

    expect(results.map((result) => result.status)).toEqual([
      'rejected',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    for (const index of [0, 3]) {
      const { error } = results[index] as { error: unknown };
      expect(error).toBeInstanceOf(ImageLoadError);
      expect(error).toMatchObject({ inputIndex: index, reason: 'undecodable' });
    }
    const vectors = results.flatMap((result) =>
      result.status === 'fulfilled' ? [result.embedding] : [],
    );
    expect(vectors).toEqual(reference.embeddings);
    // No truncated file ever went on the wire.
    const sentImages = server.requests.flatMap((request) =>
      (request.body as { input: Array<{ image?: string }> }).input.flatMap((input) =>
        input.image === undefined ? [] : [input.image],
      ),
    );
    expect(sentImages).toHaveLength(6);
    expect(sentImages).toEqual([...sentImages.slice(0, 3), ...sentImages.slice(0, 3)]);
  });
});
