import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError } from '../errors/authentication-error.js';
import { createLocalBackend } from '../local/create-local-backend.js';
import { type JinaApiServer, startJinaApiServer } from './jina-api-server.js';
import { expectedServerEmbedding } from './jina-api-server-embedding.js';
import { loopbackApiOptions } from './loopback-api-options.js';
import { referenceEmbeddings } from './reference-embeddings.js';
import { writeTinyModelRepo } from './tiny-model-repo/write-tiny-model-repo.js';

let server: JinaApiServer;
let root: string;
beforeAll(async () => {
  server = await startJinaApiServer();
  root = await mkdtemp(join(tmpdir(), 'reference-embeddings-'));
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('referenceEmbeddings', () => {
  it("returns the api backend's vectors as plain arrays, with the embed options applied", async () => {
    const options = { ...loopbackApiOptions(server), model: 'jina-clip-v2' };
    const vectors = await referenceEmbeddings(options, ['a red bus', 'a bus'], {
      task: 'retrieval.query',
      dimensions: 64,
    });

    expect(vectors.every((vector) => Array.isArray(vector))).toBe(true);
    expect(vectors).toEqual(
      ['a red bus', 'a bus'].map((text) =>
        Array.from(expectedServerEmbedding(text, 'jina-clip-v2', 64, { task: 'retrieval.query' })),
      ),
    );
    expect(server.requests.map((request) => request.body)).toEqual([
      {
        model: 'jina-clip-v2',
        input: [{ text: 'a red bus' }, { text: 'a bus' }],
        normalized: true,
        embedding_type: 'base64',
        task: 'retrieval.query',
        dimensions: 64,
      },
    ]);
  });

  it("returns the local backend's vectors", async () => {
    const repo = await writeTinyModelRepo(join(root, 'v1'), { model: 'jina-clip-v1' });
    const inputs = ['a red bus', 'a green field'];
    const local = createLocalBackend({ modelPath: repo.directory });
    const expected = (await local.embed(inputs)).embeddings.map((vector) => Array.from(vector));
    await local.close();

    expect(
      await referenceEmbeddings({ backend: 'local', modelPath: repo.directory }, inputs),
    ).toEqual(expected);
  });

  it("rejects with the backend's own error", async () => {
    const options = { ...loopbackApiOptions(server), apiKey: 'jina_wrong_key' };
    const error = await referenceEmbeddings(options, ['a red bus']).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401 });
  });
});
