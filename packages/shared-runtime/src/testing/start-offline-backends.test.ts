import { access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../create-backend.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { expectedServerEmbedding } from './jina-api-server-embedding.js';
import { startOfflineBackends } from './start-offline-backends.js';

describe('startOfflineBackends', () => {
  it('gives options of the api backend on a loopback server and of the local one on a tiny repo', async () => {
    const offline = await startOfflineBackends();
    const { server, repo } = offline;

    expect(offline.api).toEqual({
      backend: 'api',
      model: 'jina-clip-v1',
      baseURL: server.url,
      apiKey: server.apiKey,
      backoff: { initialDelayMs: 1, maxDelayMs: 5 },
      allowPrivateNetwork: true,
    });
    expect(offline.local).toEqual({
      backend: 'local',
      model: 'jina-clip-v1',
      modelPath: repo.directory,
    });
    expect(repo.model).toBe('jina-clip-v1');
    expect(dirname(repo.directory)).toBe(tmpdir());

    const api = createBackend(offline.api);
    const local = createBackend(offline.local);
    expect((await api.embed(['a red bus'])).embeddings).toEqual([
      expectedServerEmbedding('a red bus', 'jina-clip-v1'),
    ]);
    const [vector] = (await local.embed(['a red bus'])).embeddings;
    expect(vector).toHaveLength(repo.width);
    expect(local.model.id).toBe('jina-clip-v1');
    await api.close();
    await local.close();

    await offline.close();
    await expect(access(repo.directory)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fetch(`${server.url}/embeddings`)).rejects.toThrow(TypeError);
  });

  it('names the models asked for', async () => {
    const offline = await startOfflineBackends({
      apiModel: 'jina-clip-v2',
      localModel: 'jina-clip-v2',
    });
    expect(offline.api.model).toBe('jina-clip-v2');
    expect(offline.local.model).toBe('jina-clip-v2');
    expect(offline.repo.model).toBe('jina-clip-v2');
    await offline.close();
  });

  it('rejects a local model no tiny repo imitates, naming `localModel`', async () => {
    const error = await startOfflineBackends({ localModel: 'jina-clip-v3' as never }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'localModel' });
  });
});
