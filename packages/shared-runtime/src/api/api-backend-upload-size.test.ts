/**
 * Uploads never grow: the five 320 px JPEGs of examples/data, embedded as a new user would, on
 * both models, with the exact request bytes and billed tokens (loopback server usage).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JinaApiServer, startJinaApiServer } from '../testing/jina-api-server.js';
import { createApiBackend } from './create-api-backend.js';
import type { WireInput } from './embeddings-wire.js';

const NAMES = ['astronaut', 'cat', 'coffee', 'motorcycle', 'photographer'];
const PATHS = NAMES.map((name) =>
  fileURLToPath(new URL(`../../../../examples/data/images/${name}.jpg`, import.meta.url)),
);

let server: JinaApiServer;
beforeAll(async () => {
  server = await startJinaApiServer();
});
afterAll(async () => {
  await server.close();
});

async function upload(model: 'jina-clip-v1' | 'jina-clip-v2', resizeImages: boolean) {
  server.reset();
  const backend = createApiBackend({
    model,
    baseURL: server.url,
    apiKey: server.apiKey,
    resizeImages,
  });
  try {
    const { usage } = await backend.embed(PATHS.map((image) => ({ image })));
    const bodies = server.requests.map((request) => JSON.stringify(request.body));
    const images = server.requests.flatMap((request) =>
      (request.body as { input: Array<WireInput & { image: string }> }).input.map((input) =>
        Buffer.from(input.image, 'base64'),
      ),
    );
    return {
      requestBytes: bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0),
      images,
      tokens: usage.totalTokens,
    };
  } finally {
    await backend.close();
  }
}

describe('createApiBackend: uploads of the examples/data photos (320 px JPEGs)', () => {
  it('v2: sends every original untouched (a 512 px upscale bills the same one tile)', async () => {
    const originals = await Promise.all(PATHS.map((path) => readFile(path)));
    const resized = await upload('jina-clip-v2', true);
    expect(resized.images).toEqual(originals);
    expect(resized.requestBytes).toBe(124_107);
    expect(resized.tokens).toBe(5 * 4000);
    const untouched = await upload('jina-clip-v2', false);
    expect([untouched.requestBytes, untouched.tokens]).toEqual([124_107, 20_000]);
  });

  it('v1: the 320x320 photos go as one-tile lossless 224 px squares, the 213 to 216 px tall ones as they are', async () => {
    const originals = await Promise.all(PATHS.map((path) => readFile(path)));
    const sent = await upload('jina-clip-v1', true);
    const formats = await Promise.all(
      sent.images.map(async (image) => {
        const { format, width, height } = await sharp(image).metadata();
        return `${format} ${width}x${height}`;
      }),
    );
    expect(formats).toEqual([
      'webp 224x224',
      'jpeg 320x213',
      'jpeg 320x213',
      'jpeg 320x216',
      'webp 224x224',
    ]);
    expect(sent.images.slice(1, 4)).toEqual(originals.slice(1, 4));
    expect(sent.images.map((image) => image.length)).toEqual([
      67_740, 13_728, 17_174, 21_313, 33_390,
    ]);
    expect(sent.requestBytes).toBe(204_607);
    // 1 + 2 + 2 + 2 + 1 tiles, against 4 + 2 + 2 + 2 + 4 for the originals.
    expect(sent.tokens).toBe(8000);
    const untouched = await upload('jina-clip-v1', false);
    expect([untouched.requestBytes, untouched.tokens]).toEqual([124_107, 14_000]);
  });
});
