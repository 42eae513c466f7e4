import { chmod, lstat, mkdir, mkdtemp, readlink, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendClosedError } from '../errors/backend-closed-error.js';
import { ModelLoadError } from '../errors/model-load-error.js';
import { type HubServer, startHubServer } from '../testing/hub-server.js';
import { expectedTinyEmbedding } from '../testing/tiny-model-repo/expected-tiny-embedding.js';
import {
  type TinyModelRepo,
  writeTinyModelRepo,
} from '../testing/tiny-model-repo/write-tiny-model-repo.js';
import { createLocalBackend } from './create-local-backend.js';
import { onnxSessionStatistics } from './create-onnx-session.js';
import type { DownloadProgress } from './local-backend-options.js';
import {
  NOBODY,
  runScriptInChild,
  traversableByNobody,
} from './run-script-in-child.test-helper.js';

/**
 * Root may write anywhere, so the EACCES case runs as nobody when the tests run as root; nobody
 * must then reach tsx and the sources. In a checkout nobody cannot traverse (a 0700 home folder)
 * the case is skipped, saying why, rather than failing on a child that cannot start.
 */
const asRoot = process.getuid?.() === 0;
const eaccesRunnable = !asRoot || traversableByNobody();

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

describe('createLocalBackend close()', () => {
  /** Waits until the Hub has received a GET for `file`. */
  async function untilRequested(file: string) {
    for (let waited = 0; ; waited += 10) {
      if (hub.requests.some((request) => request.method === 'GET' && request.file === file)) return;
      if (waited > 20_000) throw new Error(`${file} was never requested`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it.each([
    ['headers', { beforeHeadersMs: 60_000 }],
    ['body', { perChunkMs: 60_000, chunkBytes: 64 }],
  ])(
    'settles every call pending behind a download stuck in its %s at once, aborts it, and resolves',
    async (stuck, delay) => {
      hub.clearRequests();
      // The weights' download would take minutes: it is stuck.
      hub.setDelay({ file: 'onnx/model.onnx_data', ...delay });
      try {
        const backend = createLocalBackend({
          model: 'jina-clip-v2',
          repo: REPO,
          endpoint: hub.url,
          cacheDir: join(root, `close-cache-${stuck}`),
        });
        const calls = [backend.embed(['snow']), backend.embed(['rain']), backend.embed(['sun'])];
        const outcomes = Promise.allSettled(calls);
        await untilRequested('onnx/model.onnx_data');

        const started = performance.now();
        await backend.close();
        const closeMs = performance.now() - started;
        const settled = await outcomes;
        expect(closeMs).toBeLessThan(5_000);
        for (const outcome of settled) {
          expect(outcome.status).toBe('rejected');
          expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(BackendClosedError);
        }
        // Calls after close() are refused the same way; a second close() is harmless.
        await expect(backend.embed(['snow'])).rejects.toBeInstanceOf(BackendClosedError);
        await backend.close();
      } finally {
        hub.setDelay(undefined);
      }
    },
    30_000,
  );

  it('rejects pending calls at once, and releases the sessions after in-flight inference', async () => {
    const cacheDir = join(root, 'cache');
    const backend = createLocalBackend({
      model: 'jina-clip-v2',
      repo: REPO,
      endpoint: hub.url,
      cacheDir,
      offline: true,
      batchSize: 1,
    });
    await backend.embed(['snow']);
    const released = onnxSessionStatistics.released;
    // Many batches: close() lands while they run.
    const texts = Array.from({ length: 2_000 }, (_, index) => `snow ${index}`);
    const call = backend.embed(texts).catch((caught: unknown) => caught);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const closing = backend.close();
    expect(await call).toBeInstanceOf(BackendClosedError);
    await closing;
    expect(onnxSessionStatistics.released).toBe(released + 1);
  });
});

describe('createLocalBackend cache path problems', () => {
  it('names the path and the cause when the cache path runs through a file (ENOTDIR)', async () => {
    const file = join(root, 'not-a-folder');
    await writeFile(file, 'a file, not a folder');
    const cacheDir = join(file, 'cache');
    const backend = createLocalBackend({
      model: 'jina-clip-v2',
      repo: REPO,
      endpoint: hub.url,
      cacheDir,
    });
    const error = await backend.embed(['snow']).catch((caught: unknown) => caught);
    await backend.close();
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^The Hugging Face cache at ${cacheDir} cannot be used: mkdir ENOTDIR on ${file}/cache/`,
      ),
    );
    expect((error as ModelLoadError).cause).toMatchObject({ code: 'ENOTDIR' });
  });

  it('tells whether nobody can traverse a folder (what decides if the EACCES case runs)', async () => {
    const closed = join(root, 'closed-0700');
    await mkdir(join(closed, 'inner'), { recursive: true });
    await chmod(closed, 0o700);
    await chmod(root, 0o755);
    expect(traversableByNobody(join(closed, 'inner'))).toBe(false);
    await chmod(closed, 0o755);
    expect(traversableByNobody(join(closed, 'inner'))).toBe(traversableByNobody(root));
  });

  it.skipIf(!eaccesRunnable)(
    `names the path and the cause when the cache folder is not writable (EACCES)${eaccesRunnable ? '' : ' [skipped: running as root, the case runs as nobody (uid 65534), who cannot traverse this checkout; chmod o+x its folders to run it]'}`,
    async () => {
      const parent = join(root, 'read-only');
      await mkdir(parent, { recursive: true });
      await chmod(parent, 0o555);
      const cacheDir = join(parent, 'cache');
      // Root may write anywhere: the case runs as nobody then (who must reach the script).
      const user = asRoot ? NOBODY : undefined;
      await chmod(root, 0o755);
      const run = await runScriptInChild(
        `const { createLocalBackend } = await importSource('local/create-local-backend.ts');
const backend = createLocalBackend(${JSON.stringify({ model: 'jina-clip-v2', repo: REPO, endpoint: hub.url, cacheDir })});
const error = await backend.embed(['snow']).catch((caught) => caught);
await backend.close();
console.log(JSON.stringify({ name: error.name, message: error.message, code: error.cause?.code }));`,
        { directory: root, timeoutMs: 60_000, user, env: { ...process.env, HOME: root } },
      );
      expect(run.stderr).toBe('');
      const error = JSON.parse(run.stdout);
      expect(error).toMatchObject({ name: 'ModelLoadError', code: 'EACCES' });
      expect(error.message).toMatch(
        new RegExp(
          `^The Hugging Face cache at ${cacheDir} cannot be used: mkdir EACCES on ${cacheDir}`,
        ),
      );
    },
  );

  it('names the file when a snapshot symlink dangles offline, not onnxruntime', async () => {
    const cacheDir = join(root, 'dangling-cache');
    const online = createLocalBackend({
      model: 'jina-clip-v2',
      repo: REPO,
      endpoint: hub.url,
      cacheDir,
    });
    await online.embed(['snow']);
    await online.close();
    const pointer = join(
      cacheDir,
      'models--tiny-org--tiny-jina-clip-v2',
      'snapshots',
      hub.commitOf(REPO),
      'onnx/model.onnx_data',
    );
    await unlink(join(pointer, '..', await readlink(pointer)));

    const offline = createLocalBackend({
      model: 'jina-clip-v2',
      repo: REPO,
      cacheDir,
      offline: true,
    });
    const error = await offline.embed(['snow']).catch((caught: unknown) => caught);
    await offline.close();
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error).toMatchObject({ file: 'onnx/model.onnx_data' });
    expect((error as Error).message).toMatch(
      /^onnx\/model\.onnx_data of tiny-org\/tiny-jina-clip-v2 in the Hugging Face cache \(.+\) is a symlink to \.\.\/\.\.\/\.\.\/blobs\/[0-9a-f]{64}, which does not exist/,
    );
  });
});
