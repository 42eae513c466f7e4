import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../errors/index.js';
import { type HubServer, startHubServer } from '../../testing/hub-server.js';
import { runScriptInChild } from '../run-script-in-child.test-helper.js';
import { downloadModelFiles } from './download-model-files.js';

/** undici as this package resolves it: the child's script lives in a temporary folder. */
const UNDICI_URL = pathToFileURL(createRequire(import.meta.url).resolve('undici')).href;
const REPO = 'test-org/tiny-clip';
const STORAGE = 'models--test-org--tiny-clip';

let workDirectory: string;
let hub: HubServer;

beforeAll(async () => {
  workDirectory = await mkdtemp(join(tmpdir(), 'hostile-hub-'));
  const folder = join(workDirectory, 'hub', REPO);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'config.json'), '{"model_type":"jina_clip"}');
  hub = await startHubServer({ root: join(workDirectory, 'hub') });
});

afterAll(async () => {
  await hub.close();
  await rm(workDirectory, { recursive: true, force: true });
});

beforeEach(() => {
  hub.setMisbehaviour(undefined);
  hub.clearRequests();
});

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/**
 * What `downloadModelFiles` rejects with, fetching `file` of {@link REPO} at `main` into
 * `cacheDir` from `source` (the loopback Hub unless given).
 */
function downloadRefusal(
  cacheDir: string,
  file: string,
  source: { endpoint: string } | { offline: true } = { endpoint: hub.url },
): Promise<unknown> {
  return rejectionOf(
    downloadModelFiles({ repo: REPO, revision: 'main', files: [file], cacheDir, ...source }),
  );
}

/** Every file and folder under `folder`, relative, sorted. */
async function listTree(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true });
  return entries.map(String).sort();
}

describe('a hostile Hub cannot write outside the cache', () => {
  it('ignores a 404 whose X-Repo-Commit is ../../../victim: no folder outside, no file truncated', async () => {
    // The cache sits three levels below the work folder, so ../../../victim from
    // `{storage}/.no_exist/` would land on `{work}/victim`, where a file waits to be truncated.
    const cacheDir = join(workDirectory, 'a', 'b', 'cache');
    await mkdir(cacheDir, { recursive: true });
    const victim = join(workDirectory, 'a', 'victim', 'missing.json');
    for (const path of [victim, join(workDirectory, 'victim', 'missing.json')]) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, 'precious');
    }
    hub.setMisbehaviour({ repoCommit: '../../../victim' });
    const error = await downloadRefusal(cacheDir, 'missing.json');
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).file).toBe('missing.json');
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect(await readFile(join(workDirectory, 'victim', 'missing.json'), 'utf8')).toBe('precious');
    // Nothing was written anywhere: not even a marker (no commit hash to file it under).
    expect(await listTree(cacheDir)).toEqual([]);
    expect((await readdir(join(workDirectory, 'a'))).sort()).toEqual(['b', 'victim']);
  });

  it('refuses a 200 whose X-Repo-Commit is not a commit hash', async () => {
    const cacheDir = await mkdtemp(join(workDirectory, 'cache-'));
    hub.setMisbehaviour({ repoCommit: '../../escape' });
    const error = await downloadRefusal(cacheDir, 'config.json');
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).message).toContain('X-Repo-Commit (a 40-hex commit hash)');
    expect(await listTree(cacheDir)).toEqual([]);
    expect(existsSync(join(workDirectory, 'escape'))).toBe(false);
  });

  it('touches the .no_exist marker: never truncating it, never writing through a symlink there', async () => {
    const cacheDir = await mkdtemp(join(workDirectory, 'cache-'));
    const commit = hub.commitOf(REPO);
    const markers = join(cacheDir, STORAGE, '.no_exist', commit);
    await mkdir(markers, { recursive: true });
    await writeFile(join(markers, 'missing.json'), 'kept');
    const outside = join(workDirectory, 'outside-victim.json');
    await writeFile(outside, 'precious');
    await symlink(outside, join(markers, 'linked.json'));
    for (const file of ['missing.json', 'linked.json']) {
      const error = await downloadRefusal(cacheDir, file);
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as ModelLoadError).file).toBe(file);
    }
    expect(await readFile(join(markers, 'missing.json'), 'utf8')).toBe('kept');
    expect(await readFile(outside, 'utf8')).toBe('precious');
  });

  it('offline, treats a refs/main holding ".." as no ref: nothing is read outside snapshots/', async () => {
    const cacheDir = await mkdtemp(join(workDirectory, 'cache-'));
    const storage = join(cacheDir, STORAGE);
    // refs/main -> "..": snapshots/../config.json would be {storage}/config.json.
    await mkdir(join(storage, 'refs'), { recursive: true });
    await writeFile(join(storage, 'refs', 'main'), '..');
    await writeFile(join(storage, 'config.json'), '{"stolen":true}');
    const error = await downloadRefusal(cacheDir, 'config.json', { offline: true });
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).message).toContain('no snapshot of revision "main"');
  });
});

describe('a Hub whose files cannot be verified or bounded', () => {
  it('refuses an ETag that is neither a sha256 nor a git sha1, with no size, before any byte is downloaded', async () => {
    const cacheDir = await mkdtemp(join(workDirectory, 'cache-'));
    hub.setMisbehaviour({ etag: 'not-a-checksum', repoCommit: 'c'.repeat(40) });
    const error = await downloadRefusal(cacheDir, 'config.json');
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).message).toContain(
      'neither a sha256 (LFS) nor a git sha1 ("not-a-checksum")',
    );
    expect(hub.requests.map((request) => request.method)).toEqual(['HEAD']);
    expect(await listTree(cacheDir)).toEqual([]);
  });

  it('refuses a verifiable ETag without a size', async () => {
    const cacheDir = await mkdtemp(join(workDirectory, 'cache-'));
    hub.setMisbehaviour({ etag: 'd'.repeat(64), repoCommit: 'c'.repeat(40) });
    const error = await downloadRefusal(cacheDir, 'config.json');
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).message).toContain('without its size');
    expect(hub.requests.map((request) => request.method)).toEqual(['HEAD']);
  });

  it('leaves user:password of the endpoint out of every message', async () => {
    const cacheDir = await mkdtemp(join(workDirectory, 'cache-'));
    hub.setMisbehaviour({ etag: 'not-a-checksum', repoCommit: 'c'.repeat(40) });
    const endpoint = hub.url.replace('http://', 'http://hub-user:s3cret-pass@');
    const error = await downloadRefusal(cacheDir, 'config.json', { endpoint });
    expect(error).toBeInstanceOf(ModelLoadError);
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).toContain('http://[redacted]@127.0.0.1');
    expect(text).not.toContain('s3cret-pass');
    expect(text).not.toContain('hub-user');
    // An unreachable endpoint with credentials too.
    const unreachable = await downloadRefusal(cacheDir, 'config.json', {
      endpoint: 'http://hub-user:s3cret-pass@127.0.0.1:1',
    });
    expect(unreachable).toBeInstanceOf(ModelLoadError);
    expect((unreachable as Error).message).not.toContain('s3cret-pass');
    expect((unreachable as Error).message).toContain('[redacted]@127.0.0.1:1');
  });

  it('settles with a ModelLoadError within the timeout when the Hub never answers (child process, 30 s cap)', async () => {
    const run = await runScriptInChild(
      `const { startHubServer } = await importSource('testing/hub-server.ts');
const { downloadModelFiles } = await importSource('local/hub/download-model-files.ts');
const hub = await startHubServer({ root: ${JSON.stringify(join(workDirectory, 'hub'))} });
hub.setMisbehaviour({ silent: true });
const started = performance.now();
let outcome;
try {
  await downloadModelFiles({ repo: ${JSON.stringify(REPO)}, revision: 'main', files: ['config.json'],
    cacheDir: ${JSON.stringify(join(workDirectory, 'silent-cache'))}, endpoint: hub.url });
  outcome = { settled: 'resolved' };
} catch (error) {
  outcome = { settled: 'rejected', name: error.name, message: error.message };
}
outcome.elapsedMs = performance.now() - started;
await hub.close();
console.log(JSON.stringify(outcome));`,
      {
        directory: workDirectory,
        timeoutMs: 30_000,
        maxOldSpaceMb: 256,
        env: { ...process.env, HF_HUB_ETAG_TIMEOUT: '1' },
      },
    );
    expect(run.timedOut).toBe(false);
    expect(run.code, run.stderr).toBe(0);
    const outcome = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(outcome.settled).toBe('rejected');
    expect(outcome.name).toBe('ModelLoadError');
    expect(outcome.message).toContain('no answer within 1000 ms (HF_HUB_ETAG_TIMEOUT');
    // 1 s timeout; generous margin for a loaded machine.
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(900);
    expect(outcome.elapsedMs).toBeLessThan(10_000);
  }, 40_000);

  it('honours the local backend option hubMetadataTimeout (child process, 30 s cap)', async () => {
    const run = await runScriptInChild(
      `const { startHubServer } = await importSource('testing/hub-server.ts');
const { createLocalBackend } = await importSource('local/create-local-backend.ts');
const hub = await startHubServer({ root: ${JSON.stringify(join(workDirectory, 'hub'))} });
hub.setMisbehaviour({ silent: true });
const backend = createLocalBackend({ repo: ${JSON.stringify(REPO)}, endpoint: hub.url, hubMetadataTimeout: 700,
  cacheDir: ${JSON.stringify(join(workDirectory, 'silent-backend-cache'))} });
const started = performance.now();
const error = await backend.embed(['a cat']).catch((thrown) => thrown);
const elapsedMs = performance.now() - started;
await backend.close();
await hub.close();
console.log(JSON.stringify({ name: error?.name, message: error?.message, elapsedMs }));`,
      {
        directory: workDirectory,
        timeoutMs: 30_000,
        maxOldSpaceMb: 256,
        env: { ...process.env, HF_HUB_ETAG_TIMEOUT: '' },
      },
    );
    expect(run.timedOut).toBe(false);
    expect(run.code, run.stderr).toBe(0);
    const outcome = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(outcome.name).toBe('ModelLoadError');
    expect(outcome.message).toContain('no answer within 700 ms');
    expect(outcome.elapsedMs).toBeLessThan(10_000);
  }, 40_000);

  it('stops a download that sends more than the announced size (child process, 256 MB heap)', async () => {
    const run = await runScriptInChild(
      `const { startHubServer } = await importSource('testing/hub-server.ts');
const { downloadBlob } = await importSource('local/hub/download-blob.ts');
const { Agent } = await import(${JSON.stringify(UNDICI_URL)});
const { stat } = await import('node:fs/promises');
const hub = await startHubServer({ root: ${JSON.stringify(join(workDirectory, 'hub'))} });
hub.setMisbehaviour({ etag: 'e'.repeat(64), endlessBytes: 200 * 1024 * 1024 });
const dispatcher = new Agent();
const incompletePath = ${JSON.stringify(join(workDirectory, 'oversized.incomplete'))};
let outcome;
try {
  await downloadBlob({ dispatcher, endpoint: hub.url, endpointForMessages: hub.url, repo: 'test-org/tiny-clip', revision: 'main',
    token: undefined, signal: undefined, metadataTimeoutMs: 10_000, downloadTimeoutMs: 10_000 },
    { file: 'config.json', url: hub.url + '/test-org/tiny-clip/resolve/main/config.json', expectedSize: 100_000,
      sha256: 'e'.repeat(64), incompletePath, blobPath: incompletePath.replace('.incomplete', '') }, undefined);
  outcome = { settled: 'resolved' };
} catch (error) {
  outcome = { settled: 'rejected', name: error.name, message: error.message };
}
outcome.written = (await stat(incompletePath)).size;
outcome.rssMb = process.memoryUsage().rss / 2 ** 20;
await dispatcher.destroy();
await hub.close();
console.log(JSON.stringify(outcome));`,
      { directory: workDirectory, timeoutMs: 60_000, maxOldSpaceMb: 256 },
    );
    expect(run.timedOut).toBe(false);
    expect(run.code, run.stderr).toBe(0);
    const outcome = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(outcome.settled).toBe('rejected');
    expect(outcome.name).toBe('ModelLoadError');
    expect(outcome.message).toContain('more than the 100000 bytes the Hub announced');
    expect(outcome.written).toBe(0);
  }, 70_000);
});
