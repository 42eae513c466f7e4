/**
 * Large calls stay quiet: Node warns of an abort-listener leak (`MaxListenersExceededWarning`)
 * when more than 10 listeners wait on one signal, and a call's images and requests all wait on
 * the call's signal. Before: any call of more images than decode slots, or a `maxConcurrency`
 * above 10, printed the warning.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiBackend } from './api/create-api-backend.js';
import type { EmbeddingBackend } from './embedding-backend.js';
import { createLocalBackend } from './local/create-local-backend.js';
import { captureWarnings } from './testing/capture-warnings.test-helper.js';
import { type JinaApiServer, startJinaApiServer } from './testing/jina-api-server.js';
import { loopbackApiOptions } from './testing/loopback-api-options.js';
import { writeTinyModelRepo } from './testing/tiny-model-repo/write-tiny-model-repo.js';

let server: JinaApiServer;
let folder: string;
let modelPath: string;
const images: Buffer[] = [];

beforeAll(async () => {
  server = await startJinaApiServer();
  folder = await mkdtemp(join(tmpdir(), 'abort-listeners-'));
  modelPath = (await writeTinyModelRepo(join(folder, 'repo'), { model: 'jina-clip-v1' })).directory;
  for (let shade = 0; shade < 40; shade += 1) {
    images.push(
      await sharp({
        create: { width: 16, height: 16, channels: 3, background: { r: shade, g: 0, b: 0 } },
      })
        .png()
        .toBuffer(),
    );
  }
});

afterAll(async () => {
  await server?.close();
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

async function warningsOf(run: () => Promise<unknown>): Promise<string[]> {
  return (await captureWarnings(run))
    .filter((warning) => warning.name === 'MaxListenersExceededWarning')
    .map((warning) => warning.message);
}

describe('a call of many inputs adds no abort-listener leak warning', () => {
  it('on the api backend: 40 images decoded before upload, and 16 requests in flight', async () => {
    const backends: EmbeddingBackend[] = [
      createApiBackend(loopbackApiOptions(server)),
      createApiBackend({ ...loopbackApiOptions(server), maxConcurrency: 16, batchSize: 1 }),
    ];
    try {
      for (const backend of backends) {
        const warnings = await warningsOf(async () => {
          const { embeddings } = await backend.embed(images.map((image) => ({ image })));
          expect(embeddings).toHaveLength(40);
        });
        expect(warnings).toEqual([]);
      }
    } finally {
      await Promise.all(backends.map((backend) => backend.close()));
    }
  });

  it('on the local backend: 40 images waiting for decode slots', async () => {
    const backend = await createLocalBackend({ modelPath });
    try {
      const warnings = await warningsOf(async () => {
        const { embeddings } = await backend.embed(images.map((image) => ({ image })));
        expect(embeddings).toHaveLength(40);
      });
      expect(warnings).toEqual([]);
    } finally {
      await backend.close();
    }
  });
});
