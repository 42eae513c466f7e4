import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError, ModelLoadError } from '../../errors/index.js';
import { type HubServer, startHubServer } from '../../testing/hub-server.js';
import { gitBlobSha1 } from '../../testing/hub-server-files.js';
import type { DownloadProgress } from '../local-backend-options.js';
import { type DownloadModelFilesOptions, downloadModelFiles } from './download-model-files.js';

const REPO = 'test-org/tiny-clip';
const GATED_REPO = 'test-org/gated-clip';
const STORAGE = 'models--test-org--tiny-clip';
const FILES = ['config.json', 'tokenizer.json', 'preprocessor_config.json', 'onnx/model.onnx'];
const WEIGHTS = 'onnx/model.onnx_data';
const ALL_FILES = [...FILES, WEIGHTS];
const LFS_FILES = new Set(['onnx/model.onnx', WEIGHTS]);
const HF_VARIABLES = [
  'HF_TOKEN',
  'HUGGING_FACE_HUB_TOKEN',
  'HF_HUB_OFFLINE',
  'TRANSFORMERS_OFFLINE',
  'HF_ENDPOINT',
  'HF_HUB_CACHE',
  'HF_HOME',
];

let workDirectory: string;
let hub: HubServer;
const contents = new Map<string, Buffer>();
const savedEnvironment = new Map<string, string | undefined>();

const sha256 = (content: Uint8Array) => createHash('sha256').update(content).digest('hex');
/** Compared by hash: vitest's deep equality walks a Buffer byte by byte, slowly. */
const fileSha256 = async (path: string) => sha256(await readFile(path));
const content = (file: string) => contents.get(file) as Buffer;
const blobName = (file: string) =>
  LFS_FILES.has(file) ? sha256(content(file)) : gitBlobSha1(content(file));

beforeAll(async () => {
  workDirectory = await mkdtemp(join(tmpdir(), 'hub-download-'));
  const root = join(workDirectory, 'hub');
  const files: Record<string, Buffer> = {
    'config.json': Buffer.from(JSON.stringify({ model_type: 'jina_clip', projection_dim: 8 })),
    'tokenizer.json': Buffer.from(JSON.stringify({ version: '1.0', model: { type: 'WordPiece' } })),
    'preprocessor_config.json': Buffer.from(JSON.stringify({ size: 224, resize_mode: 'shortest' })),
    'onnx/model.onnx': randomBytes(50_000),
    [WEIGHTS]: randomBytes(300_000),
  };
  for (const repo of [REPO, GATED_REPO]) {
    for (const [file, bytes] of Object.entries(files)) {
      const path = join(root, repo, ...file.split('/'));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, bytes);
    }
  }
  for (const [file, bytes] of Object.entries(files)) contents.set(file, bytes);
  hub = await startHubServer({ root, gated: [GATED_REPO] });
});

afterAll(async () => {
  await hub.close();
  await rm(workDirectory, { recursive: true, force: true });
});

beforeEach(() => {
  for (const name of HF_VARIABLES) {
    savedEnvironment.set(name, process.env[name]);
    delete process.env[name];
  }
  hub.clearRequests();
  hub.setDelay(undefined);
});

afterEach(() => {
  for (const [name, value] of savedEnvironment) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

async function freshCache(): Promise<string> {
  return mkdtemp(join(workDirectory, 'cache-'));
}

function options(cacheDir: string, extra: Partial<DownloadModelFilesOptions> = {}) {
  return {
    repo: REPO,
    revision: 'main',
    files: FILES,
    optionalFiles: [WEIGHTS],
    cacheDir,
    endpoint: hub.url,
    ...extra,
  } satisfies DownloadModelFilesOptions;
}

const gets = (file: string) =>
  hub.requests.filter((request) => request.method === 'GET' && request.file === file);

async function expectRejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('downloadModelFiles', () => {
  it('downloads into the Hugging Face cache layout, with relative symlinks, blobs and refs', async () => {
    const cacheDir = await freshCache();
    const commit = hub.commitOf(REPO);
    const result = await downloadModelFiles(options(cacheDir));

    const storage = join(cacheDir, STORAGE);
    expect(result.commit).toBe(commit);
    expect(result.snapshotDirectory).toBe(join(storage, 'snapshots', commit));
    expect(result.paths).toEqual(
      Object.fromEntries(ALL_FILES.map((file) => [file, join(storage, 'snapshots', commit, file)])),
    );
    for (const file of ALL_FILES) {
      expect(await fileSha256(result.paths[file] as string)).toBe(sha256(content(file)));
    }
    // Relative links into blobs/, one more ../ per folder, exactly as huggingface_hub makes them.
    expect(await readlink(join(storage, 'snapshots', commit, 'config.json'))).toBe(
      `../../blobs/${gitBlobSha1(content('config.json'))}`,
    );
    expect(await readlink(join(storage, 'snapshots', commit, 'onnx', 'model.onnx'))).toBe(
      `../../../blobs/${sha256(content('onnx/model.onnx'))}`,
    );
    expect(await readlink(join(storage, 'snapshots', commit, 'onnx', 'model.onnx_data'))).toBe(
      `../../../blobs/${sha256(content(WEIGHTS))}`,
    );
    expect((await readdir(join(storage, 'blobs'))).sort()).toEqual(ALL_FILES.map(blobName).sort());
    expect(await readFile(join(storage, 'refs', 'main'), 'utf8')).toBe(commit);
    expect((await readdir(storage)).sort()).toEqual(['blobs', 'refs', 'snapshots']);

    // On the wire: one HEAD at `main` pins the commit; the rest is fetched at that commit.
    const wire = hub.requests.map((request) => `${request.host} ${request.method} ${request.path}`);
    expect(wire[0]).toBe(`hub HEAD /${REPO}/resolve/main/config.json`);
    expect(wire.slice(1).sort()).toEqual(
      [
        ...FILES.slice(1).map((file) => `hub HEAD /${REPO}/resolve/${commit}/${file}`),
        `hub HEAD /${REPO}/resolve/${commit}/${WEIGHTS}`,
        ...['config.json', 'tokenizer.json', 'preprocessor_config.json'].map(
          (file) => `hub GET /${REPO}/resolve/${commit}/${file}`,
        ),
        `cdn GET /cdn/${sha256(content('onnx/model.onnx'))}`,
        `cdn GET /cdn/${sha256(content(WEIGHTS))}`,
      ].sort(),
    );
    for (const request of hub.requests) {
      expect(request.headers['accept-encoding']).toBe('identity');
      expect(request.headers.range).toBeUndefined();
      expect(request.authorization).toBe(false);
    }
  });

  it('reuses the cache offline (offline: true) with zero requests', async () => {
    const cacheDir = await freshCache();
    const online = await downloadModelFiles(options(cacheDir));
    hub.clearRequests();
    const offline = await downloadModelFiles(options(cacheDir, { offline: true }));
    expect(offline).toEqual(online);
    expect(hub.requests).toEqual([]);
  });

  it('honours HF_HUB_OFFLINE=1 when no offline option is given', async () => {
    const cacheDir = await freshCache();
    const online = await downloadModelFiles(options(cacheDir));
    hub.clearRequests();
    process.env.HF_HUB_OFFLINE = '1';
    expect(await downloadModelFiles(options(cacheDir))).toEqual(online);
    expect(hub.requests).toEqual([]);
    // offline: false overrides the variable.
    await downloadModelFiles(options(cacheDir, { offline: false }));
    expect(hub.requests.length).toBe(1);
  });

  it('fails offline with a ModelLoadError naming the missing file', async () => {
    const empty = await freshCache();
    const error = await expectRejection(downloadModelFiles(options(empty, { offline: true })));
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).file).toBe('config.json');
    expect((error as ModelLoadError).message).toContain('config.json of test-org/tiny-clip');
    expect((error as ModelLoadError).message).toContain('offline mode is on');

    const partial = await freshCache();
    await downloadModelFiles(options(partial, { files: ['config.json'], optionalFiles: [] }));
    hub.clearRequests();
    const missing = await expectRejection(downloadModelFiles(options(partial, { offline: true })));
    expect(missing).toBeInstanceOf(ModelLoadError);
    expect((missing as ModelLoadError).file).toBe('tokenizer.json');
    expect((missing as ModelLoadError).message).toContain(
      'Missing: tokenizer.json, preprocessor_config.json, onnx/model.onnx.',
    );
    expect(hub.requests).toEqual([]);
  });

  it('online again: one HEAD to resolve the revision, no GET; none at all for a commit', async () => {
    const cacheDir = await freshCache();
    const first = await downloadModelFiles(options(cacheDir));
    hub.clearRequests();
    expect(await downloadModelFiles(options(cacheDir))).toEqual(first);
    expect(hub.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `HEAD /${REPO}/resolve/main/config.json`,
    ]);
    hub.clearRequests();
    expect(await downloadModelFiles(options(cacheDir, { revision: first.commit }))).toEqual(first);
    expect(hub.requests).toEqual([]);
  });

  it('reuses a cache laid out by Python huggingface_hub without a GET', async () => {
    const cacheDir = await freshCache();
    // What `hf_hub_download` leaves: blobs by etag, relative symlinks, refs/main without newline.
    const commit = hub.commitOf(REPO);
    const storage = join(cacheDir, STORAGE);
    await mkdir(join(storage, 'blobs'), { recursive: true });
    await mkdir(join(storage, 'refs'), { recursive: true });
    await writeFile(join(storage, 'refs', 'main'), commit);
    await mkdir(join(cacheDir, '.locks', STORAGE), { recursive: true });
    for (const file of ALL_FILES) {
      const blob = join(storage, 'blobs', blobName(file));
      await writeFile(blob, content(file));
      const pointer = join(storage, 'snapshots', commit, ...file.split('/'));
      await mkdir(dirname(pointer), { recursive: true });
      await symlink(relative(dirname(pointer), blob), pointer);
    }

    const result = await downloadModelFiles(options(cacheDir));
    expect(result.commit).toBe(commit);
    expect(result.paths[WEIGHTS]).toBe(
      join(storage, 'snapshots', commit, 'onnx', 'model.onnx_data'),
    );
    expect(hub.requests.filter((request) => request.method === 'GET')).toEqual([]);
    expect(hub.requests.length).toBe(1);
    expect((await readdir(join(storage, 'blobs'))).sort()).toEqual(ALL_FILES.map(blobName).sort());
  });

  it('downloads a corrupted transfer again and checks the sha256', async () => {
    const cacheDir = await freshCache();
    hub.corruptBodyOnce(WEIGHTS);
    const result = await downloadModelFiles(options(cacheDir));
    expect(gets(WEIGHTS).length).toBe(2);
    expect(await fileSha256(result.paths[WEIGHTS] as string)).toBe(sha256(content(WEIGHTS)));
  });

  it('gives up with a ModelLoadError when the transfer is corrupted twice', async () => {
    const cacheDir = await freshCache();
    hub.corruptBodyOnce('onnx/model.onnx');
    hub.corruptBodyOnce('onnx/model.onnx');
    const error = await expectRejection(downloadModelFiles(options(cacheDir)));
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).file).toBe('onnx/model.onnx');
    expect((error as ModelLoadError).message).toContain(
      `instead of ${sha256(content('onnx/model.onnx'))}`,
    );
    const blobs = await readdir(join(cacheDir, STORAGE, 'blobs'));
    expect(blobs.filter((name) => name.startsWith(sha256(content('onnx/model.onnx'))))).toEqual([]);
  });

  it('detects a corrupted blob already in the cache and downloads it again', async () => {
    const cacheDir = await freshCache();
    const result = await downloadModelFiles(options(cacheDir));
    const blob = join(cacheDir, STORAGE, 'blobs', sha256(content(WEIGHTS)));
    const damaged = Buffer.from(content(WEIGHTS));
    damaged[1234] = (damaged[1234] ?? 0) ^ 1;
    await writeFile(blob, damaged);

    // Offline it cannot be fixed: a ModelLoadError says so.
    const offline = await expectRejection(downloadModelFiles(options(cacheDir, { offline: true })));
    expect(offline).toBeInstanceOf(ModelLoadError);
    expect((offline as ModelLoadError).file).toBe(WEIGHTS);
    expect((offline as ModelLoadError).message).toContain('is corrupted');

    // With the check turned off, the file is used as it is.
    hub.clearRequests();
    await downloadModelFiles(options(cacheDir, { verifyCachedFiles: false }));
    expect(gets(WEIGHTS)).toEqual([]);

    // Online it is replaced.
    const again = await downloadModelFiles(options(cacheDir));
    expect(again).toEqual(result);
    expect(gets(WEIGHTS).length).toBe(1);
    expect(await fileSha256(blob)).toBe(sha256(content(WEIGHTS)));
    expect(await readlink(again.paths[WEIGHTS] as string)).toBe(
      `../../../blobs/${sha256(content(WEIGHTS))}`,
    );
  });

  it('checks a small (git) file by its git blob sha1 on download, and fetches a corrupted one again', async () => {
    const cacheDir = await freshCache();
    // The loopback Hub's ETag for a git file is its blob sha1, as the Hub's is.
    hub.corruptBodyOnce('preprocessor_config.json');
    const result = await downloadModelFiles(options(cacheDir));
    expect(gets('preprocessor_config.json').length).toBe(2);
    expect(await readFile(result.paths['preprocessor_config.json'] as string)).toEqual(
      content('preprocessor_config.json'),
    );
  });

  it.each([
    ['a truncated config.json', 'config.json', (bytes: Buffer) => bytes.subarray(0, 10)],
    [
      'a changed digit in preprocessor_config.json',
      'preprocessor_config.json',
      (bytes: Buffer) => Buffer.from(bytes.toString().replace('224', '225')),
    ],
  ])(
    'finds %s in the cache: offline a ModelLoadError naming it, online fetched again',
    async (_, file, damage) => {
      const cacheDir = await freshCache();
      const result = await downloadModelFiles(options(cacheDir));
      const blob = join(cacheDir, STORAGE, 'blobs', gitBlobSha1(content(file)));
      await writeFile(blob, damage(content(file)));

      const offline = await expectRejection(
        downloadModelFiles(options(cacheDir, { offline: true })),
      );
      expect(offline).toBeInstanceOf(ModelLoadError);
      expect((offline as ModelLoadError).file).toBe(file);
      expect((offline as ModelLoadError).message).toContain(
        `${file} of ${REPO} in the Hugging Face cache (${blob}) is corrupted: its git sha1 is `,
      );
      expect((offline as ModelLoadError).message).toContain(`not ${gitBlobSha1(content(file))}.`);

      hub.clearRequests();
      const again = await downloadModelFiles(options(cacheDir));
      expect(again).toEqual(result);
      expect(gets(file).length).toBe(1);
      expect(await readFile(blob)).toEqual(content(file));
      // Checked once per process: a second call reads nothing again.
      hub.clearRequests();
      await downloadModelFiles(options(cacheDir, { offline: true }));
      expect(hub.requests).toEqual([]);
    },
  );

  it('resumes a dropped connection with Range in the same call', async () => {
    const cacheDir = await freshCache();
    hub.cutBodyOnce(WEIGHTS, 100_000);
    const progress: DownloadProgress[] = [];
    const result = await downloadModelFiles(
      options(cacheDir, { onDownloadProgress: (event) => progress.push(event) }),
    );
    // The second request resumes from what reached the disk: at most the 100000 bytes sent (a
    // client may drop bytes it had buffered but not read when the socket fails).
    const requests = gets(WEIGHTS);
    expect(requests.map((request) => request.status)).toEqual([200, 206]);
    expect(requests[0]?.headers.range).toBeUndefined();
    const resumedFrom = Number(/^bytes=(\d+)-$/.exec(requests[1]?.headers.range ?? '')?.[1]);
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(100_000);
    expect(await fileSha256(result.paths[WEIGHTS] as string)).toBe(sha256(content(WEIGHTS)));
    const weights = progress.filter((event) => event.file === WEIGHTS);
    expect(weights.at(-1)).toEqual({ file: WEIGHTS, loaded: 300_000, total: 300_000 });
  });

  it('resumes a partial download left by an earlier run', async () => {
    const cacheDir = await freshCache();
    const blob = join(cacheDir, STORAGE, 'blobs', sha256(content(WEIGHTS)));
    await mkdir(dirname(blob), { recursive: true });
    await writeFile(`${blob}.incomplete`, content(WEIGHTS).subarray(0, 123_457));
    const progress: DownloadProgress[] = [];
    await downloadModelFiles(
      options(cacheDir, { onDownloadProgress: (event) => progress.push(event) }),
    );
    expect(gets(WEIGHTS).map((request) => request.headers.range)).toEqual(['bytes=123457-']);
    expect(await fileSha256(blob)).toBe(sha256(content(WEIGHTS)));
    expect(existsSync(`${blob}.incomplete`)).toBe(false);
    const weights = progress.filter((event) => event.file === WEIGHTS);
    expect(weights[0]).toEqual({ file: WEIGHTS, loaded: 123_457, total: 300_000 });
  });

  it('starts over when a resumed partial download turns out wrong', async () => {
    const cacheDir = await freshCache();
    const blob = join(cacheDir, STORAGE, 'blobs', sha256(content(WEIGHTS)));
    await mkdir(dirname(blob), { recursive: true });
    await writeFile(`${blob}.incomplete`, randomBytes(1000));
    await downloadModelFiles(options(cacheDir));
    expect(gets(WEIGHTS).map((request) => request.headers.range)).toEqual([
      'bytes=1000-',
      undefined,
    ]);
    expect(await fileSha256(blob)).toBe(sha256(content(WEIGHTS)));
  });

  it('sends the token to the Hub host and never to the CDN host', async () => {
    const cacheDir = await freshCache();
    const result = await downloadModelFiles(
      options(cacheDir, { repo: GATED_REPO, token: hub.token }),
    );
    expect(Object.keys(result.paths).sort()).toEqual([...ALL_FILES].sort());
    const hubRequests = hub.requests.filter((request) => request.host === 'hub');
    const cdnRequests = hub.requests.filter((request) => request.host === 'cdn');
    expect(hubRequests.length).toBe(ALL_FILES.length + 3);
    expect(hubRequests.every((request) => request.authorization)).toBe(true);
    expect(hubRequests.every((request) => request.status < 400)).toBe(true);
    expect(cdnRequests.map((request) => request.file).sort()).toEqual(['onnx/model.onnx', WEIGHTS]);
    expect(cdnRequests.every((request) => !request.authorization)).toBe(true);
  });

  it('reads HF_TOKEN when no token is given', async () => {
    process.env.HF_TOKEN = hub.token;
    const result = await downloadModelFiles(
      options(await freshCache(), { repo: GATED_REPO, files: ['config.json'], optionalFiles: [] }),
    );
    expect(await fileSha256(result.paths['config.json'] as string)).toBe(
      sha256(content('config.json')),
    );
    expect(hub.requests.every((request) => request.authorization)).toBe(true);
  });

  it('turns 401 on a gated repository into a ModelLoadError about HF_TOKEN, never echoing the token', async () => {
    const missing = await expectRejection(
      downloadModelFiles(options(await freshCache(), { repo: GATED_REPO })),
    );
    expect(missing).toBeInstanceOf(ModelLoadError);
    expect((missing as ModelLoadError).file).toBe('config.json');
    expect((missing as ModelLoadError).message).toContain(
      'Access to test-org/gated-clip was refused (HTTP 401 GatedRepo)',
    );
    expect((missing as ModelLoadError).message).toContain('Set HF_TOKEN');
    expect((missing as ModelLoadError).message).toContain("accept the model's terms");

    const wrongToken = 'hf_wrong_token_0123456789';
    const wrong = await expectRejection(
      downloadModelFiles(options(await freshCache(), { repo: GATED_REPO, token: wrongToken })),
    );
    expect(wrong).toBeInstanceOf(ModelLoadError);
    expect((wrong as ModelLoadError).message).toContain('The token given was refused');
    expect((wrong as ModelLoadError).message).not.toContain(wrongToken);
    expect(JSON.stringify(wrong)).not.toContain(wrongToken);
    expect(hub.requests.filter((request) => request.method === 'GET')).toEqual([]);
  });

  it('names the file and repository of a 404, and skips a missing optional file', async () => {
    const cacheDir = await freshCache();
    const error = await expectRejection(
      downloadModelFiles(options(cacheDir, { files: ['config.json', 'onnx/text_model.onnx'] })),
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).file).toBe('onnx/text_model.onnx');
    expect((error as ModelLoadError).message).toBe(
      'onnx/text_model.onnx was not found in test-org/tiny-clip at revision main (HTTP 404 EntryNotFound).',
    );

    const commit = hub.commitOf(REPO);
    const result = await downloadModelFiles(
      options(cacheDir, { optionalFiles: ['onnx/model_fp16.onnx_data'] }),
    );
    expect(Object.keys(result.paths)).toEqual(FILES);
    // Recorded as huggingface_hub records it, and not asked again.
    expect(
      existsSync(join(cacheDir, STORAGE, '.no_exist', commit, 'onnx', 'model_fp16.onnx_data')),
    ).toBe(true);
    hub.clearRequests();
    await downloadModelFiles(options(cacheDir, { optionalFiles: ['onnx/model_fp16.onnx_data'] }));
    expect(hub.requests.map((request) => request.file)).toEqual(['config.json']);
  });

  it('encodes the revision as huggingface_hub does and reports an unknown one', async () => {
    const error = await expectRejection(
      downloadModelFiles(options(await freshCache(), { revision: 'refs/pr/1' })),
    );
    expect(hub.requests[0]?.path).toBe(`/${REPO}/resolve/refs%2Fpr%2F1/config.json`);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).message).toContain(
      'Revision "refs/pr/1" was not found in test-org/tiny-clip (HTTP 404 RevisionNotFound)',
    );
  });

  it('falls back to a complete cached snapshot when the Hub cannot be reached', async () => {
    const cacheDir = await freshCache();
    const result = await downloadModelFiles(options(cacheDir));
    const unreachable = 'http://127.0.0.1:9';
    expect(await downloadModelFiles(options(cacheDir, { endpoint: unreachable }))).toEqual(result);
    const error = await expectRejection(
      downloadModelFiles(options(await freshCache(), { endpoint: unreachable })),
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).message).toContain(
      'Could not reach the Hugging Face Hub at http://127.0.0.1:9 for config.json of test-org/tiny-clip',
    );
  });

  it('reports progress as bytes arrive, ending at the total', async () => {
    hub.setDelay({ perChunkMs: 40, chunkBytes: 16_384, file: WEIGHTS });
    const progress: DownloadProgress[] = [];
    await downloadModelFiles(
      options(await freshCache(), { onDownloadProgress: (event) => progress.push(event) }),
    );
    for (const file of ALL_FILES) {
      const events = progress.filter((event) => event.file === file);
      expect(events.at(-1)).toEqual({
        file,
        loaded: content(file).length,
        total: content(file).length,
      });
      const loaded = events.map((event) => event.loaded);
      expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    }
    // 19 chunks 40 ms apart, reported at most every 100 ms: several calls, not one per chunk.
    const weights = progress.filter((event) => event.file === WEIGHTS);
    expect(weights.length).toBeGreaterThan(3);
    expect(weights.length).toBeLessThan(19);
  });

  it('rejects with the signal reason on abort, releasing the lock and keeping the partial file', async () => {
    const cacheDir = await freshCache();
    hub.setDelay({ perChunkMs: 30, chunkBytes: 16_384, file: WEIGHTS });
    const controller = new AbortController();
    const reason = new Error('stop now');
    const error = await expectRejection(
      downloadModelFiles(
        options(cacheDir, {
          signal: controller.signal,
          onDownloadProgress: (event) => {
            if (event.file === WEIGHTS && event.loaded >= 50_000) controller.abort(reason);
          },
        }),
      ),
    );
    expect(error).toBe(reason);
    const blob = join(cacheDir, STORAGE, 'blobs', sha256(content(WEIGHTS)));
    expect(existsSync(`${blob}.lock`)).toBe(false);
    expect(existsSync(blob)).toBe(false);
    const kept = (await readFile(`${blob}.incomplete`)).length;
    expect(kept).toBeGreaterThanOrEqual(49_152);

    hub.setDelay(undefined);
    hub.clearRequests();
    await downloadModelFiles(options(cacheDir));
    expect(gets(WEIGHTS).map((request) => request.headers.range)).toEqual([`bytes=${kept}-`]);
    expect(await fileSha256(blob)).toBe(sha256(content(WEIGHTS)));

    const aborted = AbortSignal.abort(reason);
    expect(await expectRejection(downloadModelFiles(options(cacheDir, { signal: aborted })))).toBe(
      reason,
    );
  });

  it('lets two concurrent downloads of one blob in one process write it once', async () => {
    const cacheDir = await freshCache();
    hub.setDelay({ perChunkMs: 20, chunkBytes: 16_384 });
    const [first, second] = await Promise.all([
      downloadModelFiles(options(cacheDir)),
      downloadModelFiles(options(cacheDir)),
    ]);
    expect(second).toEqual(first);
    for (const file of ALL_FILES) expect(gets(file).length).toBe(1);
    const storage = join(cacheDir, STORAGE);
    expect((await readdir(join(storage, 'blobs'))).sort()).toEqual(ALL_FILES.map(blobName).sort());
    expect(await fileSha256(first.paths[WEIGHTS] as string)).toBe(sha256(content(WEIGHTS)));
  });

  it('lets a child process and this one download the same blobs without corrupting them', async () => {
    const cacheDir = await freshCache();
    hub.setDelay({ perChunkMs: 25, chunkBytes: 16_384 });
    const moduleUrl = pathToFileURL(
      join(dirname(fileURLToPath(import.meta.url)), 'download-model-files.ts'),
    ).href;
    const script = join(workDirectory, 'child-download.mts');
    await writeFile(
      script,
      `import { downloadModelFiles } from ${JSON.stringify(moduleUrl)};\n` +
        'const result = await downloadModelFiles(JSON.parse(process.argv[2]));\n' +
        'process.stdout.write(JSON.stringify(result));\n',
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, JSON.stringify(options(cacheDir))],
      {
        cwd: dirname(dirname(dirname(dirname(fileURLToPath(import.meta.url))))),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

    // Start once the child holds the weights' lock, so this process must wait for it.
    const lock = join(cacheDir, STORAGE, 'blobs', `${sha256(content(WEIGHTS))}.lock`);
    for (let waited = 0; !existsSync(lock); waited += 20) {
      if (waited > 20_000) throw new Error(`the child never took the lock: ${stderr}`);
      await sleep(20);
    }
    const mine = await downloadModelFiles(options(cacheDir));
    expect(await exited).toBe(0);
    expect(JSON.parse(stdout)).toEqual(mine);
    for (const file of ALL_FILES) {
      expect(gets(file).length).toBe(1);
      expect(await fileSha256(mine.paths[file] as string)).toBe(sha256(content(file)));
    }
    const storage = join(cacheDir, STORAGE);
    expect((await readdir(join(storage, 'blobs'))).sort()).toEqual(ALL_FILES.map(blobName).sort());
  });

  it('validates its options with InvalidInputError naming the field', async () => {
    const cacheDir = await freshCache();
    const cases: [Partial<DownloadModelFilesOptions>, string][] = [
      [{ repo: 'not a repo' }, 'repo'],
      [{ repo: 'org--x/name' }, 'repo'],
      [{ revision: '../escape' }, 'revision'],
      [{ files: ['../config.json'] }, 'files'],
      [{ optionalFiles: ['/abs.onnx'] }, 'optionalFiles'],
      [{ endpoint: 'ftp://example' }, 'endpoint'],
      [{ token: 'hf_a\r\nX-Injected: 1' }, 'token'],
      [{ lockStaleMs: 0 }, 'lockStaleMs'],
    ];
    for (const [extra, field] of cases) {
      const error = await expectRejection(downloadModelFiles(options(cacheDir, extra)));
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
    }
    expect(hub.requests).toEqual([]);
  });
});
