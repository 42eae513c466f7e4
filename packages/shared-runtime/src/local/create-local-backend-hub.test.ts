import { lstat, mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../errors/model-load-error.js';
import { type HubServer, startHubServer } from '../testing/hub-server.js';
import { expectedTinyEmbedding } from '../testing/tiny-model-repo/expected-tiny-embedding.js';
import {
  type TinyModelRepo,
  writeTinyModelRepo,
} from '../testing/tiny-model-repo/write-tiny-model-repo.js';
import { createLocalBackend } from './create-local-backend.js';
import type { DownloadProgress } from './local-backend-options.js';

const REPO = 'tiny-org/tiny-jina-clip-v2';
let root: string;
let repo: TinyModelRepo;
let hub: HubServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-backend-hub-'));
  repo = await writeTinyModelRepo(join(root, 'repo'), { model: 'jina-clip-v2', imageSize: 32 });
  hub = await startHubServer({ repos: { [REPO]: repo.directory } });
});
afterAll(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

function normalised(vector: Float32Array): number[] {
  const norm = Math.hypot(...vector);
  return Array.from(vector, (value) => value / norm);
}

describe('createLocalBackend from the Hub', () => {
  it('downloads into the Hugging Face cache layout, then a second backend runs offline from it', async () => {
    const cacheDir = join(root, 'cache');
    const progress: DownloadProgress[] = [];
    const online = createLocalBackend({
      model: 'jina-clip-v2',
      repo: REPO,
      endpoint: hub.url,
      cacheDir,
      onDownloadProgress: (event) => progress.push(event),
    });
    const ids = [0, repo.vocabulary.get('\u2581snow')!, 2];
    const expected = normalised(expectedTinyEmbedding(repo, { inputIds: ids }));
    const first = (await online.embed(['snow'])).embeddings[0]!;
    await online.close();
    expect(
      Math.max(...expected.map((value, i) => Math.abs(value - first[i]!))),
    ).toBeLessThanOrEqual(1e-5);

    // The graph and its external weights were fetched together, into snapshots/<commit>/ as
    // symlinks to blobs (onnxruntime found the weights beside the graph through the link).
    const downloaded = new Set(
      hub.requests.filter((request) => request.method === 'GET').map((request) => request.file),
    );
    expect(downloaded).toEqual(
      new Set([
        'config.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'preprocessor_config.json',
        'onnx/model.onnx',
        'onnx/model.onnx_data',
      ]),
    );
    const snapshot = join(
      cacheDir,
      'models--tiny-org--tiny-jina-clip-v2',
      'snapshots',
      hub.commitOf(REPO),
    );
    expect((await lstat(join(snapshot, 'onnx/model.onnx_data'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(snapshot, 'onnx/model.onnx_data'))).toMatch(
      /^\.\.\/\.\.\/\.\.\/blobs\/[0-9a-f]{64}$/,
    );
    expect(
      progress.some(
        (event) => event.file === 'onnx/model.onnx_data' && event.loaded === event.total,
      ),
    ).toBe(true);

    hub.clearRequests();
    const offline = createLocalBackend({
      model: 'jina-clip-v2',
      repo: REPO,
      endpoint: hub.url,
      cacheDir,
      offline: true,
    });
    const second = (await offline.embed(['snow'])).embeddings[0]!;
    await offline.close();
    expect(Array.from(second)).toEqual(Array.from(first));
    expect(hub.requests).toEqual([]);
  });

  it('fails offline with an empty cache, naming the missing file', async () => {
    const backend = createLocalBackend({
      model: 'jina-clip-v2',
      repo: REPO,
      endpoint: hub.url,
      cacheDir: join(root, 'empty-cache'),
      offline: true,
    });
    const error = await backend.embed(['snow']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error).toMatchObject({ file: 'config.json' });
    await backend.close();
  });
});
