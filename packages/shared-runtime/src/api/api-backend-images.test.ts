import { Buffer } from 'node:buffer';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddingBackend } from '../embedding-backend.js';
import { ImageLoadError } from '../errors/index.js';
import { defaultPreprocessConfig } from '../images/image-preprocess-config.js';
import { preprocessImage } from '../images/preprocess-image.js';
import type { EmbeddingInput } from '../inputs/embedding-input.js';
import { MODELS } from '../models/models.js';
import { type JinaApiServer, startJinaApiServer } from '../testing/jina-api-server.js';
import { expectedServerEmbedding } from '../testing/jina-api-server-embedding.js';
import type { ApiBackendOptions } from './api-backend-options.js';
import { createApiBackend } from './create-api-backend.js';
import type { WireInput } from './embeddings-wire.js';

let server: JinaApiServer;
let directory: string;
let photoPath: string;
let photo: Buffer;
let imageHost: Server;
let imageHostHits = 0;
let imageHostUrl: string;
const backends: EmbeddingBackend[] = [];

/** A 1200 x 800 JPEG with structure in it (gradients), as a camera would hand over. */
async function makePhoto(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 3;
      pixels[offset] = (x * 255) / width;
      pixels[offset + 1] = (y * 255) / height;
      pixels[offset + 2] = ((x ^ y) & 0xff) / 2;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

beforeAll(async () => {
  server = await startJinaApiServer();
  directory = await mkdtemp(join(tmpdir(), 'jina-api-images-'));
  photo = await makePhoto(1200, 800);
  photoPath = join(directory, 'photo.jpg');
  await writeFile(photoPath, photo);
  imageHost = createServer((_request, response) => {
    imageHostHits++;
    response.writeHead(200, { 'content-type': 'image/jpeg' });
    response.end(photo);
  });
  await new Promise<void>((resolve) => imageHost.listen(0, '127.0.0.1', resolve));
  imageHostUrl = `http://127.0.0.1:${(imageHost.address() as AddressInfo).port}/photo.jpg`;
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => imageHost.close(resolve));
  await rm(directory, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(backends.splice(0).map((backend) => backend.close()));
  server.reset();
  imageHostHits = 0;
});

function backend(options: ApiBackendOptions = {}): EmbeddingBackend {
  const created = createApiBackend({ baseURL: server.url, apiKey: server.apiKey, ...options });
  backends.push(created);
  return created;
}

/** The inputs as they went on the wire, in input order (one request at a time). */
function sentInputs(): WireInput[] {
  return server.requests.flatMap((request) => (request.body as { input: WireInput[] }).input);
}

function sentImage(index = 0): string {
  const input = sentInputs()[index];
  if (input === undefined || !('image' in input)) throw new Error(`input ${index} is not an image`);
  return input.image;
}

describe('createApiBackend: images', () => {
  it('bills a 1200x800 JPEG from disk exactly one tile on v1, sent as the model input', async () => {
    const result = await backend({ model: 'jina-clip-v1' }).embed([{ image: photoPath }]);
    expect(result.usage.totalTokens).toBe(1000);
    const image = sentImage();
    expect(image.startsWith('data:')).toBe(false);
    const sent = Buffer.from(image, 'base64');
    const metadata = await sharp(sent).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 224, 224]);
    // Losslessly the pixels the model itself would see.
    const expected = await preprocessImage(photo, defaultPreprocessConfig(MODELS['jina-clip-v1']));
    const pixels = await sharp(sent).removeAlpha().raw().toBuffer();
    expect(Buffer.compare(pixels, Buffer.from(expected.data))).toBe(0);
    expect(result.embeddings[0]).toEqual(expectedServerEmbedding({ image }, 'jina-clip-v1'));
  });

  it('sends the original untouched, billed per tile, with resizeImages: false', async () => {
    const result = await backend({ model: 'jina-clip-v1', resizeImages: false }).embed([
      { image: photoPath },
    ]);
    expect(sentImage()).toBe(photo.toString('base64'));
    expect(result.usage.totalTokens).toBe(6 * 4 * 1000);
  });

  it('resizes to 512 px for v2: one 4000-token tile instead of six', async () => {
    const resized = await backend({ model: 'jina-clip-v2' }).embed([{ image: photo }]);
    const metadata = await sharp(Buffer.from(sentImage(), 'base64')).metadata();
    expect([metadata.width, metadata.height]).toEqual([512, 512]);
    expect(resized.usage.totalTokens).toBe(4000);
    server.reset();
    const original = await backend({ model: 'jina-clip-v2', resizeImages: false }).embed([
      { image: photo },
    ]);
    expect(original.usage.totalTokens).toBe(3 * 2 * 4000);
  });

  it('passes http(s) URLs through as URLs, never fetching them', async () => {
    const result = await backend().embed([
      { image: imageHostUrl },
      { image: new URL(imageHostUrl) },
    ]);
    expect(sentInputs()).toStrictEqual([{ image: imageHostUrl }, { image: imageHostUrl }]);
    expect(imageHostHits).toBe(0);
    expect(result.usage.totalTokens).toBe(2 * 1000);
    expect(result.embeddings[0]).toEqual(
      expectedServerEmbedding({ image: imageHostUrl }, 'jina-clip-v1'),
    );
  });

  it('fetches URLs and sends resized bytes with fetchImageUrls: true', async () => {
    const result = await backend({ fetchImageUrls: true, allowPrivateNetwork: true }).embed([
      { image: imageHostUrl },
    ]);
    expect(imageHostHits).toBe(1);
    const metadata = await sharp(Buffer.from(sentImage(), 'base64')).metadata();
    expect([metadata.width, metadata.height]).toEqual([224, 224]);
    expect(result.usage.totalTokens).toBe(1000);
  });

  it('refuses a loopback image URL by default, before any request', async () => {
    const error = await backend({ fetchImageUrls: true })
      .embed(['text', { image: imageHostUrl }])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImageLoadError);
    expect(error).toMatchObject({ inputIndex: 1, reason: 'blocked-address' });
    expect(imageHostHits).toBe(0);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses an SVG and an image over maxImagePixels from the header, before any request', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="16000" height="16000"><rect width="1" height="1"/></svg>',
    );
    const svgError = await backend()
      .embed([{ image: svg }])
      .catch((caught: unknown) => caught);
    expect(svgError).toBeInstanceOf(ImageLoadError);
    expect(svgError).toMatchObject({ inputIndex: 0, reason: 'unsupported-format' });
    const pixelsError = await backend({ maxImagePixels: 1200 * 800 - 1 })
      .embed(['text', { image: photoPath }])
      .catch((caught: unknown) => caught);
    expect(pixelsError).toMatchObject({
      name: 'ImageLoadError',
      inputIndex: 1,
      reason: 'too-many-pixels',
      limit: 959_999,
    });
    expect((pixelsError as Error).message).toBe(
      `Input 1: cannot decode image ${photoPath}: 1200x800 is 960000 pixels, more than maxImagePixels (959999).`,
    );
    expect(server.requests).toHaveLength(0);
    // At the limit, the same photo goes through.
    await backend({ maxImagePixels: 1200 * 800 }).embed([{ image: photoPath }]);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses image bytes over maxImageBytes, naming the input and the limit', async () => {
    const error = await backend({ maxImageBytes: photo.byteLength - 1 })
      .embed([{ image: photoPath }])
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'ImageLoadError',
      inputIndex: 0,
      reason: 'too-large',
      limit: photo.byteLength - 1,
    });
    expect(server.requests).toHaveLength(0);
  });

  it('keeps texts and every kind of image source in input order', async () => {
    const small = await makePhoto(64, 48);
    const inputs: EmbeddingInput[] = [
      'a gradient',
      { image: photoPath },
      { text: 'another text' },
      { image: new Uint8Array(small) },
      { image: new Blob([new Uint8Array(small)], { type: 'image/jpeg' }) },
      { image: `data:image/jpeg;base64,${small.toString('base64')}` },
      {
        image: small.buffer.slice(
          small.byteOffset,
          small.byteOffset + small.byteLength,
        ) as ArrayBuffer,
      },
      { image: pathToFileURL(photoPath) },
      { image: 'https://example.com/remote.png' },
    ];
    const result = await backend({ batchSize: 3, maxConcurrency: 1 }).embed(inputs);
    const wire = sentInputs();
    expect(wire).toHaveLength(inputs.length);
    expect(wire[0]).toEqual({ text: 'a gradient' });
    expect(wire[2]).toEqual({ text: 'another text' });
    expect(wire[8]).toEqual({ image: 'https://example.com/remote.png' });
    // The same bytes, however given, go out as the same upload.
    expect(new Set([3, 4, 5, 6].map((index) => JSON.stringify(wire[index]))).size).toBe(1);
    expect(wire[7]).toEqual(wire[1]);
    for (const [index, input] of wire.entries()) {
      expect(result.embeddings[index]).toEqual(expectedServerEmbedding(input, 'jina-clip-v1'));
    }
    expect(result.usage.totalTokens).toBe(2 * 4 + 7 * 1000);
  });

  it('rejects an unreadable path with ImageLoadError naming the input, sending nothing', async () => {
    const missing = join(directory, 'missing.jpg');
    const error = await backend()
      .embed(['text', { image: missing }])
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ImageLoadError);
    expect(error).toMatchObject({ inputIndex: 1 });
    expect((error as Error).message).toContain(missing);
    expect(server.requests).toHaveLength(0);
  });

  it('rejects bytes that are not an image with ImageLoadError, without printing them', async () => {
    const bytes = new TextEncoder().encode('SECRET-LOOKING-BYTES that are no image');
    const error = await backend()
      .embed([{ image: bytes }])
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ImageLoadError);
    expect(error).toMatchObject({ inputIndex: 0 });
    expect((error as Error).message).toMatch(/^Input 0: cannot decode image/);
    expect((error as Error).message).not.toContain('SECRET-LOOKING');
    expect(server.requests).toHaveLength(0);
  });

  it('reads the same file the same way twice (no state between calls)', async () => {
    const embedder = backend();
    const first = await embedder.embed([{ image: photoPath }]);
    const second = await embedder.embed([{ image: await readFile(photoPath) }]);
    expect(second.embeddings[0]).toEqual(first.embeddings[0]);
  });
});
