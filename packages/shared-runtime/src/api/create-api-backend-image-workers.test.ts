import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JinaApiServer, startJinaApiServer } from '../testing/jina-api-server.js';
import { createApiBackend } from './create-api-backend.js';
import type { WireInput } from './embeddings-wire.js';

const REFERENCE = join(import.meta.dirname, '..', '..', 'test-fixtures', 'reference', 'images');
let server: JinaApiServer;

beforeAll(async () => {
  server = await startJinaApiServer();
});
afterAll(async () => {
  await server.close();
});

describe('createApiBackend imageWorkers', () => {
  it('uploads the same resized images from worker threads as inline', async () => {
    const photo = await sharp(readFileSync(join(REFERENCE, 'chelsea.png')))
      .resize(1600, 1200, { fit: 'fill' })
      .jpeg({ quality: 90 })
      .toBuffer();
    const inputs = [{ image: photo }, { image: readFileSync(join(REFERENCE, 'camera.png')) }];
    const sent: WireInput[][] = [];
    for (const imageWorkers of [0, 2]) {
      server.reset();
      const backend = createApiBackend({
        baseURL: server.url,
        apiKey: server.apiKey,
        imageWorkers,
      });
      const { embeddings } = await backend.embed(inputs);
      await backend.close();
      expect(embeddings).toHaveLength(2);
      sent.push(
        server.requests.flatMap((request) => (request.body as { input: WireInput[] }).input),
      );
    }
    expect(sent[0]).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
  });
});
