/**
 * What an operator meets on day two, each with real processes on a real redis-server: the
 * launcher as a supervisor (signal deaths, a dead writer, everything stopped), `status` as a
 * health check, totals checked against the store, model and store identity, incremental reruns
 * and cleanup on the loopback Jina API server (which counts the inputs it embeds), confinement to
 * the ingest root, malformed jobs, and settings checked before anything starts.
 */
import {
  access,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:http';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  type JinaApiServer,
  startJinaApiServer,
  writeTinyModelRepo,
} from 'jina-clip-runtime/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIngestItems } from './ingest-item.js';
import {
  ingestSettingsFromEnvironment,
  resultsQueueName,
  storeIdentity,
} from './ingest-settings.js';
import { IngestStore } from './ingest-store.js';
import { deferredItemId, itemId } from './item-id.js';
import { ensureRedisServerInstalled, type RedisServer, startRedisServer } from './redis-server.js';
import { runToExit, startProcess, stopProcess } from './run-process.test-helper.js';
import { encodeVector } from './vector-codec.js';

let scratch: string;
let modelPath: string;
let redis: RedisServer;
let runs = 0;

beforeAll(async () => {
  await ensureRedisServerInstalled();
  scratch = await mkdtemp(join(tmpdir(), 'jina-clip-guarantees-'));
  modelPath = (await writeTinyModelRepo(join(scratch, 'tiny-model'), { model: 'jina-clip-v1' }))
    .directory;
  redis = await startRedisServer({ directory: join(scratch, 'redis') });
}, 600_000);

afterAll(async () => {
  await redis?.stop('SIGTERM');
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/** A run's environment: its own queue and store, quick stalled-job detection, the tiny model. */
function environmentFor(extra: NodeJS.ProcessEnv = {}) {
  runs += 1;
  const {
    JINA_API_KEY: _key,
    JINA_CLIP_MODEL_PATH: _path,
    INIT_CWD: _cwd,
    ...inherited
  } = process.env;
  return {
    ...inherited,
    ORT_DISABLE_TELEMETRY: '1',
    HF_HUB_OFFLINE: '1',
    REDIS_URL: redis.url,
    INGEST_QUEUE: `guarantees-${runs}`,
    JINA_CLIP_LANCEDB: join(scratch, `store-${runs}`),
    JINA_CLIP_MODEL_PATH: modelPath,
    INGEST_LOCK_MS: '2000',
    INGEST_STALLED_CHECK_MS: '500',
    ...extra,
  } as NodeJS.ProcessEnv & { JINA_CLIP_LANCEDB: string; INGEST_QUEUE: string };
}

/** A run's environment on the api backend against `server` (no model path). */
function apiEnvironmentFor(server: JinaApiServer, extra: NodeJS.ProcessEnv = {}) {
  const environment = environmentFor({
    JINA_API_KEY: server.apiKey,
    JINA_API_BASE_URL: server.url,
    ...extra,
  });
  delete environment.JINA_CLIP_MODEL_PATH;
  return environment;
}

/** The store writer and one embed worker of `environment`'s run. */
function startWriterAndWorker(environment: NodeJS.ProcessEnv) {
  return [
    startProcess('store-writer.ts', [], environment),
    startProcess('embed-worker.ts', [], environment),
  ] as const;
}

async function textFolder(name: string, count: number, first = 0, step = 1): Promise<string> {
  const folder = join(scratch, name);
  await mkdir(folder, { recursive: true });
  for (let index = first; index < first + count * step; index += step) {
    await writeFile(
      join(folder, `t-${String(index).padStart(3, '0')}.txt`),
      `Caption number ${index}.`,
    );
  }
  return folder;
}

async function portClosed(port: number): Promise<boolean> {
  const socket = connectTcp(port, '127.0.0.1');
  const connected = await new Promise<boolean>((resolve) => {
    socket.once('connect', () => resolve(true));
    socket.once('error', () => resolve(false));
  });
  socket.destroy();
  return !connected;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidsOf(output: string): { name: string; pid: number }[] {
  return [...output.matchAll(/^Started the (.+) \(pid (\d+)\)$/gm)].map((match) => ({
    name: match[1]!,
    pid: Number(match[2]),
  }));
}

describe('the launcher as a supervisor', () => {
  it('restarts workers killed on a poison image, records it as failed after INGEST_ATTEMPTS, and stops everything', async () => {
    const folder = await textFolder('poison', 6);
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .png()
      .toFile(join(folder, 'poison.png'));
    const redisDirectory = join(scratch, 'poison-redis');
    const environment = environmentFor({
      INGEST_REDIS_DIRECTORY: redisDirectory,
      INGEST_TEST_CRASH_ON: 'poison.png',
      INGEST_ATTEMPTS: '2',
    });
    delete environment.REDIS_URL;
    const { code, output } = await runToExit(
      'run-distributed.ts',
      [folder, '--workers', '2', '--job-size', '1'],
      environment,
    );
    expect(code, output).toBe(0);
    // Each death is one attempt: two workers died on it, then it is recorded.
    expect(
      output.match(
        /^The embed worker \d \(pid \d+\) was killed by SIGKILL: restarting it \(\d of 3\)\.$/gm,
      ),
    ).toHaveLength(2);
    expect(output).toContain('Run complete: 6 embedded, 1 failed, of 7 items');
    expect(output).toMatch(
      new RegExp(
        `^  ${join(folder, 'poison.png')}: WorkerCrashError: a worker died on this item's job embed-\\w+ 2 times`,
        'm',
      ),
    );
    const [, port] =
      /^Started redis-server at redis:\/\/127\.0\.0\.1:(\d+) \(password-protected/m.exec(output)!;
    expect(await portClosed(Number(port))).toBe(true);
    for (const { pid } of pidsOf(output)) expect(alive(pid)).toBe(false);
    await expect(access(join(redisDirectory, 'launcher.pid'))).rejects.toThrow();
    // The launcher's Redis: a generated password, in files only this user reads.
    expect(await readFile(join(redisDirectory, 'redis.conf'), 'utf8')).toMatch(
      /^requirepass [0-9a-f]{48}$/m,
    );
    const files = [
      'redis.conf',
      'redis-url',
      ...(await readdir(join(redisDirectory, 'appendonlydir'))).map((name) =>
        join('appendonlydir', name),
      ),
    ];
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      expect(((await stat(join(redisDirectory, file))).mode & 0o777).toString(8), file).toBe('600');
    }
    expect(((await stat(redisDirectory)).mode & 0o777).toString(8)).toBe('700');
  });

  it('fails fast with a non-zero exit naming a writer killed by a signal, and stops redis-server and the rest', async () => {
    const folder = await textFolder('writer-dies', 200);
    const environment = environmentFor({
      INGEST_REDIS_DIRECTORY: join(scratch, 'writer-dies-redis'),
      INGEST_RESTARTS: '0',
    });
    delete environment.REDIS_URL;
    const launcher = startProcess(
      'run-distributed.ts',
      [folder, '--workers', '1', '--job-size', '4'],
      environment,
    );
    const line = await launcher.line(/^Started the store writer \(pid \d+\)$/);
    const writerPid = Number(/pid (\d+)/.exec(line)![1]);
    process.kill(writerPid, 'SIGKILL');
    const code = await launcher.exited;
    const output = launcher.output.join('\n');
    expect(code, output).toBe(1);
    expect(output).toContain(
      `The store writer (pid ${writerPid}) was killed by SIGKILL: stopping the run. Run the same command again to resume.`,
    );
    expect(output).not.toContain('Run complete');
    const [, port] = /^Started redis-server at redis:\/\/127\.0\.0\.1:(\d+)/m.exec(output)!;
    expect(await portClosed(Number(port))).toBe(true);
    for (const { pid } of pidsOf(output)) expect(alive(pid)).toBe(false);
  });
});

describe('a dead writer is seen, and status is a health check', () => {
  it('the producer gives up waiting with no writer; status exits 1 naming it; a writer then finishes the run', async () => {
    const folder = await textFolder('no-writer', 10);
    const environment = environmentFor({ INGEST_WAIT_MS: '2000' });
    const worker = startProcess('embed-worker.ts', [], environment);
    await worker.line(/^worker \d+ ready$/);
    const producer = await runToExit('producer.ts', [folder], environment);
    expect(producer.code, producer.output).toBe(3);
    expect(producer.output).toMatch(
      /^No store writer connected for \d+ s with 1 write jobs waiting: start one \(npm run ingest:writer\) and run the producer again to watch\.$/m,
    );
    const status = await runToExit('status.ts', [], environment);
    expect(status.code, status.output).toBe(1);
    expect(status.output).toContain(
      'unhealthy: 1 write jobs waiting and no store writer connected',
    );
    const writer = startProcess('store-writer.ts', [], environment);
    const resumed = await runToExit('producer.ts', [folder], environment);
    expect(resumed.code, resumed.output).toBe(0);
    expect(resumed.output).toContain('Run complete: 10 embedded, 0 failed, of 10 items');
    const healthy = await runToExit('status.ts', [], environment);
    expect(healthy.code, healthy.output).toBe(0);
    expect(healthy.output).toContain('healthy');
    await Promise.all([worker, writer].map(stopProcess));
  });

  it('status exits 1 naming the write jobs a connected but stuck writer has not written', async () => {
    const environment = environmentFor();
    const writer = startProcess('store-writer.ts', [], environment);
    await writer.line(/^writer \d+ ready: /);
    // Stuck: still connected to Redis (listed as a writer), taking nothing.
    writer.child.kill('SIGSTOP');
    const settings = ingestSettingsFromEnvironment(environment);
    const results = new Queue(resultsQueueName(settings), { connection: { url: redis.url } });
    const data = {
      embedJobId: 'none',
      run: 'stuck',
      store: storeIdentity(settings),
      rows: [],
      failures: [],
    };
    // Enqueued two minutes ago (INGEST_LOCK_MS is 2 s here, so the bound is 62 s), and one just now.
    // A write job the writer took 100 s ago and never finished (a writer hung on the store):
    // taken here by hand, its start moved back, and left active.
    await results.add('write', data, { jobId: 'stuck-active' });
    const taker = new Worker(results.name, null, {
      connection: { url: redis.url },
      autorun: false,
    });
    const taken = await taker.getNextJob('hung-writer');
    expect(taken?.id).toBe('stuck-active');
    const client = new Redis(redis.url);
    await client.hset(`bull:${results.name}:stuck-active`, 'processedOn', Date.now() - 100_000);
    await client.quit();
    await taker.close();
    await results.add('write', data, { jobId: 'stuck-write-1', timestamp: Date.now() - 120_000 });
    await results.add('write', data, { jobId: 'stuck-write-2', timestamp: Date.now() - 90_000 });
    await results.add('write', data, { jobId: 'fresh-write' });
    await results.close();
    try {
      const status = await runToExit('status.ts', [], environment);
      expect(status.code, status.output).toBe(1);
      expect(status.output).toContain('connected: 0 embed workers, 1 writer');
      expect(status.output).toMatch(
        /^unhealthy: write jobs stuck \(not written within INGEST_LOCK_MS plus a minute\): stuck-write-1 \(waiting 12\d s\), stuck-write-2 \(waiting 9\d s\), stuck-active \(active 10\d s\): the writer is stuck$/m,
      );
      expect(status.output).not.toContain('fresh-write');
      expect(status.output.match(/^unhealthy: /gm)).toHaveLength(1);
    } finally {
      writer.child.kill('SIGKILL');
      await writer.exited;
    }
  });

  it('status exits 1 within seconds when Redis is unreachable', async () => {
    const started = Date.now();
    const status = await runToExit(
      'status.ts',
      [],
      environmentFor({ REDIS_URL: 'redis://127.0.0.1:1' }),
    );
    expect(status.code, status.output).toBe(1);
    expect(status.output).toMatch(
      /^unhealthy: Redis at 127\.0\.0\.1:1 \(REDIS_URL\) is unreachable: /m,
    );
    expect(Date.now() - started).toBeLessThan(60_000); // generous: tsx start-up on a loaded machine
  });
});

describe('totals that never lie', () => {
  it('refuses a Redis without appendonly; allowed, a restart that loses jobs ends non-zero with the items missing', async () => {
    const volatile = await startRedisServer({
      directory: join(scratch, 'volatile'),
      appendOnly: false,
    });
    try {
      const folder = await textFolder('volatile', 200);
      const refused = await runToExit(
        'producer.ts',
        [folder],
        environmentFor({ REDIS_URL: volatile.url }),
      );
      expect(refused.code).toBe(2);
      expect(refused.output.trim()).toMatch(
        /^error: Redis at 127\.0\.0\.1:\d+ runs without appendonly: a restart would forget every queued job\. Run it with "appendonly yes", or set INGEST_ALLOW_NO_AOF=1 to accept the risk\.$/,
      );
      const environment = environmentFor({ REDIS_URL: volatile.url, INGEST_ALLOW_NO_AOF: '1' });
      const writer = startProcess('store-writer.ts', [], environment);
      const worker = startProcess('embed-worker.ts', ['--verbose'], environment);
      const producer = startProcess('producer.ts', [folder, '--job-size', '5'], environment);
      await worker.line(/^done /);
      await volatile.stop('SIGKILL');
      await volatile.restart();
      const code = await producer.exited;
      const output = producer.output.join('\n');
      await Promise.all([worker, writer].map(stopProcess));
      expect(output).toContain('WARNING: Redis at');
      expect(code, output).toBe(1);
      const [, missing] =
        /^(\d+) items missing: neither written nor recorded as failed/m.exec(output) ?? [];
      expect(Number(missing)).toBeGreaterThan(0);
      const store = await IngestStore.open(environment.JINA_CLIP_LANCEDB, 'distributed');
      // What the producer saw written; a job in hand when Redis died may land after its check.
      const rows = await store.countRows();
      expect(rows).toBeGreaterThanOrEqual(200 - Number(missing));
      expect(rows).toBeLessThan(200);
      store.close();
    } finally {
      await volatile.stop('SIGTERM');
    }
  });

  it('a write refused by the store (another width) is a failed write job, listed, and the run exits 1', async () => {
    const folder = await textFolder('mismatch', 5);
    const environment = environmentFor();
    // A table made by another model's run: 3 wide.
    const existing = await IngestStore.open(environment.JINA_CLIP_LANCEDB, 'distributed');
    await existing.upsertRows([
      {
        id: 'old',
        kind: 'text',
        source: '/old.txt',
        text: 'old',
        model: 'jina-clip-v1',
        vector: encodeVector([1, 2, 3]),
      },
    ]);
    existing.close();
    const writer = startProcess('store-writer.ts', [], environment);
    const worker = startProcess('embed-worker.ts', [], environment);
    const { code, output } = await runToExit('producer.ts', [folder], environment);
    await Promise.all([worker, writer].map(stopProcess));
    expect(code, output).toBe(1);
    expect(output).toMatch(
      /^Write job write-embed-\w+ failed: StoreMismatchError: table "distributed" holds jina-clip-v1, 3 wide, these rows are jina-clip-v1, \d+ wide: use another INGEST_TABLE \(or JINA_CLIP_LANCEDB\) for this model \(run the producer again to retry it\)$/m,
    );
    expect(output).toContain('5 items missing');
    const store = await IngestStore.open(environment.JINA_CLIP_LANCEDB, 'distributed');
    expect((await store.readRows()).map((row) => [row.id, row.vector.length])).toEqual([
      ['old', 3],
    ]);
    store.close();
  });

  it('one queue serves one store: a producer for another store on the same queue is refused', async () => {
    const folder = await textFolder('claim', 3);
    const first = environmentFor();
    expect((await runToExit('producer.ts', [folder, '--detach'], first)).code).toBe(0);
    const second = { ...first, JINA_CLIP_LANCEDB: join(scratch, 'another-store') };
    const refused = await runToExit('producer.ts', [folder, '--detach'], second);
    expect(refused.code).toBe(2);
    expect(refused.output.trim()).toBe(
      `error: queue "${first.INGEST_QUEUE}" serves the store ${first.JINA_CLIP_LANCEDB}#distributed#jina-clip-v1; this run writes ${second.JINA_CLIP_LANCEDB}#distributed#jina-clip-v1. Set another INGEST_QUEUE, or --reset to give the queue to this store.`,
    );
  });
});

describe('incremental reruns and cleanup (api backend, loopback server counting inputs)', () => {
  let server: JinaApiServer;
  beforeAll(async () => {
    server = await startJinaApiServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  const embeddedInputs = () =>
    server.requests
      .filter((request) => request.status === 200 && request.path.endsWith('/embeddings'))
      .reduce(
        (sum, request) => sum + ((request.body as { input: unknown[] }).input?.length ?? 0),
        0,
      );

  it('a rerun after adding N files among the others embeds exactly N; cleanup deletes rewritten and deleted files', async () => {
    const folder = await textFolder('incremental', 30, 0, 2); // t-000, t-002, ... t-058
    const environment = apiEnvironmentFor(server);
    const [writer, worker] = startWriterAndWorker(environment);
    try {
      const run = async (...args: string[]) => {
        const before = embeddedInputs();
        const result = await runToExit(
          'producer.ts',
          [folder, '--job-size', '8', ...args],
          environment,
        );
        expect(result.code, result.output).toBe(0);
        return { ...result, embedded: embeddedInputs() - before };
      };
      expect((await run()).embedded).toBe(30);
      await textFolder('incremental', 5, 1, 2); // t-001, t-003, ... between the others
      const second = await run();
      expect(second.embedded).toBe(5);
      expect(second.output).toContain('35 items in');
      expect(second.output).toContain(': 5 to embed in 1 jobs of up to 8');
      // Another job size changes nothing already written.
      expect((await run('--job-size', '3')).embedded).toBe(0);
      // t-000 rewritten in place, t-002 deleted.
      await writeFile(join(folder, 't-000.txt'), 'Caption number 0, rewritten.');
      await unlink(join(folder, 't-002.txt'));
      const incremental = await run('--cleanup', 'incremental');
      expect(incremental.embedded).toBe(1);
      expect(incremental.output).toContain(
        'Store: 35 rows in "distributed", 0 failed items; cleanup incremental: 1 stale rows and 0 stale failures deleted',
      );
      const full = await run('--cleanup', 'full');
      expect(full.embedded).toBe(0);
      expect(full.output).toContain(
        'Store: 34 rows in "distributed", 0 failed items; cleanup full: 1 stale rows and 0 stale failures deleted, 1 records of sources not seen forgotten',
      );
      const fullRun = /\(run (run-[^)]+)\)/.exec(full.output)?.[1];
      const store = await IngestStore.open(environment.JINA_CLIP_LANCEDB, 'distributed');
      const ids = new Set((await store.readRowKeys()).map((key) => key.id));
      const width = (await store.readRows())[0]!.vector.length;
      // The record manager: each current file, its id, the model, the width, the run that last saw it.
      const records = (await store.readRecords()).sort((a, b) => a.source.localeCompare(b.source));
      store.close();
      const current = await readIngestItems(folder, 'jina-clip-v1');
      expect(ids).toEqual(new Set(current.map((item) => item.id)));
      expect(fullRun).toMatch(/^run-/);
      expect(records).toEqual(
        current
          .map((item) => ({
            source: item.source,
            id: item.id,
            model: 'jina-clip-v1',
            dimensions: width,
            run: fullRun,
          }))
          .sort((a, b) => a.source.localeCompare(b.source)),
      );
    } finally {
      await Promise.all([worker, writer].map(stopProcess));
    }
  });

  it('two producers at once embed each item once and record each source once (records go through the writer)', async () => {
    const folder = await textFolder('two-producers', 24);
    const environment = apiEnvironmentFor(server);
    const [writer, worker] = startWriterAndWorker(environment);
    try {
      const before = embeddedInputs();
      const results = await Promise.all(
        [0, 1].map(() => runToExit('producer.ts', [folder, '--job-size', '4'], environment)),
      );
      for (const result of results) {
        expect(result.code, result.output).toBe(0);
        expect(result.output).toContain('Run complete: 24 embedded, 0 failed, of 24 items');
      }
      expect(embeddedInputs() - before).toBe(24);
      const store = await IngestStore.open(environment.JINA_CLIP_LANCEDB, 'distributed');
      const records = await store.readRecords();
      expect(await store.countRows()).toBe(24);
      store.close();
      // One record per file: concurrent LanceDB merge-inserts of one key would make two.
      expect(records.map((record) => record.source).sort()).toEqual(
        (await readIngestItems(folder, 'jina-clip-v1')).map((item) => item.source).sort(),
      );
    } finally {
      await Promise.all([worker, writer].map(stopProcess));
    }
  });
});

describe('workers read only the ingest root and record malformed jobs', () => {
  it('records an image outside INGEST_ROOT and malformed payloads as failures, without reading them', async () => {
    const root = await textFolder('root', 1);
    const outside = join(scratch, 'outside.png');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#102030' } })
      .png()
      .toFile(outside);
    const environment = environmentFor({ INGEST_ROOT: root, INGEST_ATTEMPTS: '1' });
    const identity = storeIdentity(ingestSettingsFromEnvironment(environment));
    const writer = startProcess('store-writer.ts', [], environment);
    const worker = startProcess('embed-worker.ts', [], environment);
    const queue = new Queue(environment.INGEST_QUEUE, { connection: { url: redis.url } });
    const base = { run: 'manual', store: identity, model: 'jina-clip-v1' };
    await queue.add(
      'embed',
      { ...base, items: [{ kind: 'image', id: 'outside', source: outside }] },
      { jobId: 'outside' },
    );
    await queue.add('embed', null, { jobId: 'null' });
    await queue.add('embed', 'a string', { jobId: 'string' });
    await queue.add('embed', { ...base, items: [null] }, { jobId: 'items-null' });
    const store = await IngestStore.open(environment.JINA_CLIP_LANCEDB, 'distributed');
    let failures: Awaited<ReturnType<IngestStore['readFailures']>> = [];
    for (let waited = 0; failures.length < 4 && waited < 60_000; waited += 250) {
      await new Promise((wake) => setTimeout(wake, 250));
      failures = await store.readFailures();
    }
    store.close();
    await queue.close();
    await Promise.all([worker, writer].map(stopProcess));
    expect(failures.map((each) => [each.id, each.error]).sort()).toEqual([
      ['job-items-null-0', 'MalformedJobError'],
      ['job-null', 'MalformedJobError'],
      ['job-string', 'MalformedJobError'],
      ['outside', 'ImageLoadError'],
    ]);
    // The runtime's own imageFileRoot refused it, before reading it.
    expect(failures.find((each) => each.id === 'outside')!.message).toContain(
      'it is outside imageFileRoot',
    );
  });
});

describe('settings checked once, before anything starts', () => {
  const cases: [string, string[], NodeJS.ProcessEnv, string][] = [
    [
      '--workers 0x2',
      ['--workers', '0x2'],
      {},
      'error: --workers must be a whole number from 1 to 256, got "0x2".',
    ],
    [
      'INGEST_LOCK_MS=1',
      [],
      { INGEST_LOCK_MS: '1' },
      'error: INGEST_LOCK_MS must be a whole number from 1000 to 3600000, got "1".',
    ],
    [
      'a garbage REDIS_URL',
      [],
      { REDIS_URL: 'garbage' },
      'error: REDIS_URL is not a URL: "garbage".',
    ],
    [
      'an unknown option',
      ['--frobnicate'],
      {},
      "error: Unknown option '--frobnicate'. See --help.",
    ],
    [
      'more workers than the key allows',
      ['--workers', '4'],
      { JINA_API_KEY: 'key', JINA_API_CONCURRENCY_LIMIT: '2' },
      "error: --workers 4 exceeds your key's concurrency limit of 2 (JINA_API_CONCURRENCY_LIMIT) on the api backend: use at most 2 workers.",
    ],
    [
      'a missing redis-server',
      [],
      { PATH: '/nonexistent' },
      'error: redis-server is not installed: install it (Debian/Ubuntu: sudo apt-get install redis-server, or .ci/install-redis-server) or set REDIS_URL to a running Redis.',
    ],
  ];
  it.each(cases)('refuses %s with one line and exit 2', async (_name, args, extra, line) => {
    const environment = environmentFor({
      INGEST_REDIS_DIRECTORY: join(scratch, `settings-${runs}`),
      ...extra,
    });
    if (!('REDIS_URL' in extra)) delete environment.REDIS_URL;
    const { code, output } = await runToExit('run-distributed.ts', args, environment);
    expect(output.trim()).toBe(line);
    expect(code).toBe(2);
  });

  it('answers --help, and refuses an unreachable REDIS_URL within seconds', async () => {
    const help = await runToExit('run-distributed.ts', ['--help'], environmentFor());
    expect(help.code).toBe(0);
    expect(help.output).toMatch(/^Usage: npm run ingest:distributed -- \[<folder>\] \[options\]$/m);
    expect(help.output).toContain('--cleanup MODE');
    const unreachable = await runToExit(
      'producer.ts',
      [],
      environmentFor({ REDIS_URL: 'redis://127.0.0.1:1' }),
    );
    expect(unreachable.code).toBe(2);
    expect(unreachable.output.trim()).toMatch(
      /^error: Redis at 127\.0\.0\.1:1 \(REDIS_URL\) is unreachable: .+\.$/,
    );
  });

  it('resolves a relative folder against where the user ran the command (INIT_CWD)', async () => {
    await textFolder('relative/texts', 2);
    const environment = environmentFor({ INIT_CWD: join(scratch, 'relative') });
    const { code, output } = await runToExit('producer.ts', ['texts', '--detach'], environment);
    expect(code, output).toBe(0);
    expect(output).toContain(`2 items in ${join(scratch, 'relative', 'texts')}: 2 to embed`);
  });
});

describe('a JSONL manifest instead of a folder, and LanceDB storage options', () => {
  it('embeds paths, http URLs (fetched by the workers through the download policy) and inline texts', async () => {
    const folder = join(scratch, 'manifest');
    await mkdir(join(folder, 'texts'), { recursive: true });
    await writeFile(join(folder, 'texts', 'one.txt'), 'A text file named in the manifest.');
    const png = (shade: number) =>
      sharp({ create: { width: 8, height: 8, channels: 3, background: { r: shade, g: 0, b: 0 } } })
        .png()
        .toBuffer();
    await writeFile(join(folder, 'photo.png'), await png(10));
    const served = { '/a.png': await png(100), '/b.png': await png(200) } as Record<string, Buffer>;
    const fetched: string[] = [];
    const images = createServer((request, response) => {
      fetched.push(request.url!);
      const body = served[request.url!];
      response.writeHead(body ? 200 : 404, { 'content-type': 'image/png' }).end(body);
    });
    images.listen(0, '127.0.0.1');
    await new Promise((resolve) => images.once('listening', resolve));
    const base = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
    const manifest = join(folder, 'items.jsonl');
    await writeFile(
      manifest,
      [
        { path: 'texts/one.txt' },
        { path: 'photo.png' },
        { path: 'missing.png' },
        { url: `${base}/a.png` },
        { url: `${base}/b.png` },
        { text: 'An inline caption.', source: 'caption-1' },
      ]
        .map((entry) => JSON.stringify(entry))
        .join('\n') + '\n\n',
    );
    const environment = environmentFor({
      INGEST_ROOT: folder,
      INGEST_ALLOW_PRIVATE_NETWORK: '1',
      JINA_CLIP_LANCEDB_STORAGE_OPTIONS: '{"timeout":"30s"}',
    });
    const writer = startProcess('store-writer.ts', [], environment);
    const worker = startProcess('embed-worker.ts', [], environment);
    try {
      const { code, output } = await runToExit(
        'producer.ts',
        ['--manifest', manifest],
        environment,
      );
      expect(code, output).toBe(0);
      // The producer reads no file a manifest names: a missing one is the worker's to record.
      expect(output).toContain(
        `6 items in ${manifest}: 6 to embed in 1 jobs of up to 32 on "${environment.INGEST_QUEUE}", 0 already in the store (5 URLs and paths among those to embed`,
      );
      expect(output).toContain('Run complete: 5 embedded, 1 failed, of 6 items');
      expect(output).toContain(
        `  ${join(folder, 'missing.png')}: ImageLoadError: cannot read image ${join(folder, 'missing.png')}: `,
      );
      expect(fetched.sort()).toEqual(['/a.png', '/b.png']);
      const store = await IngestStore.open(environment.JINA_CLIP_LANCEDB, 'distributed', {
        timeout: '30s',
      });
      const rows = await store.readRows();
      expect(rows.map((row) => row.source).sort()).toEqual(
        [
          `${base}/a.png`,
          `${base}/b.png`,
          'caption-1',
          join(folder, 'photo.png'),
          join(folder, 'texts', 'one.txt'),
        ].sort(),
      );
      // A text file read by the worker is keyed and stored as the producer does a folder's.
      const text = rows.find((row) => row.source.endsWith('one.txt'))!;
      expect([text.id, text.kind, text.text]).toEqual([
        itemId('text', 'A text file named in the manifest.', 'jina-clip-v1'),
        'text',
        'A text file named in the manifest.',
      ]);
      store.close();
    } finally {
      images.close();
      await Promise.all([worker, writer].map(stopProcess));
    }
  });

  it('keys manifest URLs by the bytes the workers fetch: unchanged content is not embedded again, changed content is, a failed URL recovers', async () => {
    const server = await startJinaApiServer();
    const png = (shade: number) =>
      sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 0, g: shade, b: 0 } } })
        .png()
        .toBuffer();
    const [one, two, three, four, five] = await Promise.all([10, 20, 30, 40, 50].map(png));
    const served: Record<string, Buffer | undefined> = {
      '/a.png': one,
      '/b.png': two,
      '/c.png': one, // the same bytes as a.png under another URL
      '/gone.png': undefined, // 404 until it is published
      '/flaky.png': five, // 503 on its first request
    };
    const fetched: string[] = [];
    const images = createServer((request, response) => {
      fetched.push(request.url!);
      const body = served[request.url!];
      if (
        request.url === '/flaky.png' &&
        fetched.filter((url) => url === '/flaky.png').length === 1
      ) {
        response.writeHead(503).end();
        return;
      }
      response.writeHead(body ? 200 : 404, { 'content-type': 'image/png' }).end(body);
    });
    images.listen(0, '127.0.0.1');
    await new Promise((resolve) => images.once('listening', resolve));
    const base = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
    const manifest = join(scratch, 'urls.jsonl');
    const urls = ['a', 'b', 'c', 'gone', 'flaky'].map((name) => `${base}/${name}.png`);
    await writeFile(manifest, urls.map((url) => JSON.stringify({ url })).join('\n'));
    const environment = apiEnvironmentFor(server, { INGEST_ALLOW_PRIVATE_NETWORK: '1' });
    const embedded = () =>
      server.requests
        .filter((request) => request.status === 200 && request.path.endsWith('/embeddings'))
        .reduce((sum, request) => sum + (request.body as { input: unknown[] }).input.length, 0);
    const [writer, worker] = startWriterAndWorker(environment);
    const model = 'jina-clip-v1';
    const run = async (...args: string[]) => {
      const before = { embedded: embedded(), fetched: fetched.length };
      const result = await runToExit('producer.ts', ['--manifest', manifest, ...args], environment);
      return {
        ...result,
        embedded: embedded() - before.embedded,
        fetched: fetched.length - before.fetched,
        run: /\(run (run-[^)]+)\)/.exec(result.output)?.[1],
      };
    };
    const stored = async () => {
      const store = await IngestStore.open(environment.JINA_CLIP_LANCEDB, 'distributed');
      const state = {
        rows: (await store.readRowKeys()).map((key) => key.id).sort(),
        failures: await store.readFailures(),
        records: await store.readRecords(),
      };
      store.close();
      return state;
    };
    try {
      const first = await run();
      expect(first.code, first.output).toBe(0);
      expect(first.output).toContain(
        'Run complete: 4 embedded, 1 failed, of 5 items (3 new rows this run',
      );
      // a.png and c.png are one content, embedded once; flaky.png after its job's retry.
      expect(first.embedded).toBe(3);
      let state = await stored();
      expect(state.rows).toEqual(
        [one, two, five].map((bytes) => itemId('image', bytes!, model)).sort(),
      );
      expect(state.failures).toEqual([
        expect.objectContaining({
          id: deferredItemId(urls[3]!, model),
          source: urls[3],
          error: 'ImageLoadError',
          message: expect.stringContaining('HTTP 404'),
        }),
      ]);
      const recordsOf = (
        records: { source: string; id: string; dimensions: number; run: string }[],
      ) =>
        Object.fromEntries(
          records.map((record) => [record.source, [record.id, record.dimensions > 0, record.run]]),
        );
      expect(recordsOf(state.records)).toEqual({
        [urls[0]!]: [itemId('image', one!, model), true, first.run],
        [urls[1]!]: [itemId('image', two!, model), true, first.run],
        [urls[2]!]: [itemId('image', one!, model), true, first.run],
        [urls[3]!]: [deferredItemId(urls[3]!, model), false, first.run],
        [urls[4]!]: [itemId('image', five!, model), true, first.run],
      });

      // Nothing changed: every URL fetched again, nothing embedded (nor billed).
      const second = await run();
      expect(second.code, second.output).toBe(0);
      expect(second.output).toContain('Run complete: 4 embedded, 1 failed, of 5 items (0 new rows');
      expect([second.fetched, second.embedded]).toEqual([5, 0]);

      // b.png replaced, gone.png published: two new contents, the old b row and the failure go.
      served['/b.png'] = three;
      served['/gone.png'] = four;
      const third = await run('--cleanup', 'incremental');
      expect(third.code, third.output).toBe(0);
      expect(third.embedded).toBe(2);
      expect(third.output).toContain('Run complete: 5 embedded, 0 failed, of 5 items (2 new rows');
      expect(third.output).toContain(
        'Store: 4 rows in "distributed", 0 failed items; cleanup incremental: 1 stale rows and 0 stale failures deleted',
      );
      state = await stored();
      expect(state.rows).toEqual(
        [one, three, four, five].map((bytes) => itemId('image', bytes!, model)).sort(),
      );
      expect(state.failures).toEqual([]);
      expect(recordsOf(state.records)).toEqual({
        [urls[0]!]: [itemId('image', one!, model), true, third.run],
        [urls[1]!]: [itemId('image', three!, model), true, third.run],
        [urls[2]!]: [itemId('image', one!, model), true, third.run],
        [urls[3]!]: [itemId('image', four!, model), true, third.run],
        [urls[4]!]: [itemId('image', five!, model), true, third.run],
      });
    } finally {
      images.close();
      await Promise.all([worker, writer].map(stopProcess));
      await server.close();
    }
  });

  it('refuses a bad manifest line and bad storage options with one line, before anything starts', async () => {
    const manifest = join(scratch, 'bad.jsonl');
    await writeFile(manifest, '{"path":"a.txt","url":"https://x/y.png"}\n');
    const bad = await runToExit('producer.ts', ['--manifest', manifest], environmentFor());
    expect(bad.code).toBe(2);
    expect(bad.output.trim()).toBe(
      `error: ${manifest} line 1: each line is {"path": …}, {"url": "http(s)://…"} or {"text": …, "source"?: …}.`,
    );
    await writeFile(manifest, '{"text":"fine"}\n{"url":"ftp://x/y.png"}\n');
    const url = await runToExit('producer.ts', ['--manifest', manifest], environmentFor());
    expect(url.output.trim()).toBe(
      `error: ${manifest} line 2: only http(s) URLs, got "ftp://x/y.png".`,
    );
    const options = await runToExit(
      'producer.ts',
      [],
      environmentFor({ JINA_CLIP_LANCEDB_STORAGE_OPTIONS: '{"timeout":30}' }),
    );
    expect(options.code).toBe(2);
    expect(options.output.trim()).toBe(
      'error: JINA_CLIP_LANCEDB_STORAGE_OPTIONS must be a JSON object of strings, e.g. {"region":"us-east-1"}.',
    );
  });
});
