/**
 * Uploads never hold more pixels than the original: the five 320 px JPEGs of examples/data,
 * embedded as a new user would, on both models, with the exact request bytes and billed tokens
 * (loopback server usage).
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
  it('v2: sends every original untouched (a 512 px square would hold more pixels than each)', async () => {
    const originals = await Promise.all(PATHS.map((path) => readFile(path)));
    const resized = await upload('jina-clip-v2', true);
    expect(resized.images).toEqual(originals);
    expect(resized.requestBytes).toBe(124_107);
    expect(resized.tokens).toBe(5 * 4000);
    const untouched = await upload('jina-clip-v2', false);
    expect([untouched.requestBytes, untouched.tokens]).toEqual([124_107, 20_000]);
  });

  it('v1: every photo goes as a one-tile lossless 224 px square (fewer pixels than each original)', async () => {
    const sent = await upload('jina-clip-v1', true);
    const formats = await Promise.all(
      sent.images.map(async (image) => {
        const { format, width, height } = await sharp(image).metadata();
        return `${format} ${width}x${height}`;
      }),
    );
    expect(formats).toEqual(Array(5).fill('webp 224x224'));
    expect(sent.images.map((image) => image.length)).toEqual([
      67_740, 61_006, 70_682, 74_782, 33_390,
    ]);
    // More bytes than the originals' 124,107 (lossless 224 px squares against small JPEGs), for
    // 5,000 tokens instead of 14,000: fewest billed tiles comes first, then fewest bytes.
    expect(sent.requestBytes).toBe(410_283);
    // 1 tile each, against 4 + 2 + 2 + 2 + 4 for the originals.
    expect(sent.tokens).toBe(5000);
    const untouched = await upload('jina-clip-v1', false);
    expect([untouched.requestBytes, untouched.tokens]).toEqual([124_107, 14_000]);
  });
});
