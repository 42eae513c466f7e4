/**
 * The distributed pipeline as it runs for real: Debian's redis-server started here, the store
 * writer, embed worker processes and the producer as child processes, LanceDB on disk, the tiny
 * model repo (or the loopback Jina API server). 2,000 items: 1,000 texts and 1,000 JPEGs of which
 * 20 are corrupt.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { createApiBackend, type EmbeddingBackend, type EmbeddingInput } from 'jina-clip-runtime';
import { createLocalBackend } from 'jina-clip-runtime/local';
import {
  type JinaApiServer,
  loopbackApiOptions,
  startJinaApiServer,
  writeTinyModelRepo,
} from 'jina-clip-runtime/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IngestItem, readIngestItems } from './ingest-item.js';
import { IngestStore } from './ingest-store.js';
import { ensureRedisServerInstalled, type RedisServer, startRedisServer } from './redis-server.js';
import { type RunningProcess, startProcess, stopProcess } from './run-process.test-helper.js';

const TEXTS = 1000;
const IMAGES = 1000;
const CORRUPT = 20;
let scratch: string;
let modelPath: string;
let dataFolder: string;
let items: IngestItem[];
let corruptSources: string[];
let redis: RedisServer;
let runs = 0;

/** The environment of one run: its own queue and store, short stalled-job detection. */
function runEnvironment(
  extra: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv & { JINA_CLIP_LANCEDB: string; INGEST_QUEUE: string } {
  runs += 1;
  const { JINA_API_KEY: _key, JINA_CLIP_MODEL_PATH: _path, ...inherited } = process.env;
  return {
    ...inherited,
    ORT_DISABLE_TELEMETRY: '1',
    HF_HUB_OFFLINE: '1',
    REDIS_URL: redis.url,
    INGEST_QUEUE: `test-run-${runs}`,
    JINA_CLIP_LANCEDB: join(scratch, `store-${runs}`),
    INGEST_LOCK_MS: '5000',
    INGEST_STALLED_CHECK_MS: '1000',
    ...extra,
  };
}

interface Pipeline {
  writer: RunningProcess;
  workers: RunningProcess[];
  producer: RunningProcess;
  /** Waits for the producer, then stops the writer and workers; resolves the producer's output. */
  finish(): Promise<string>;
}

function startPipeline(workerCount: number, environment: NodeJS.ProcessEnv): Pipeline {
  const writer = startProcess('store-writer.ts', [], environment);
  const workers = Array.from({ length: workerCount }, () =>
    startProcess('embed-worker.ts', ['--verbose'], environment),
  );
  const producer = startProcess('producer.ts', [dataFolder, '--job-size', '32'], environment);
  return {
    writer,
    workers,
    producer,
    async finish() {
      const code = await producer.exited;
      await Promise.all([writer, ...workers].map(stopProcess));
      const output = producer.output.join('\n');
      expect(code, output).toBe(0);
      return output;
    },
  };
}

/** The runtime's own vectors for the good items and its errors for the corrupt ones. */
async function expectedResults(backend: EmbeddingBackend) {
  const toInput = (item: IngestItem): EmbeddingInput =>
    item.kind === 'text' ? item.text : { image: item.source };
  const good = items.filter((item) => !corruptSources.includes(item.source));
  const vectors = new Map<string, Float32Array>();
  for (let start = 0; start < good.length; start += 100) {
    const batch = good.slice(start, start + 100);
    const { embeddings } = await backend.embed(batch.map(toInput));
    for (const [index, item] of batch.entries()) vectors.set(item.id, embeddings[index]!);
  }
  const errors = new Map<string, { name: string; message: string }>();
  for (const item of items.filter((each) => corruptSources.includes(each.source))) {
    const error = (await backend
      .embed([toInput(item)])
      .catch((caught: unknown) => caught)) as Error;
    errors.set(item.id, { name: error.name, message: error.message.replace(/^Input 0: /, '') });
  }
  return { vectors, errors };
}

/** Every good item exactly one row with the runtime's vector; every corrupt one failure; nothing else. */
async function expectStore(
  databaseDirectory: string,
  expected: Awaited<ReturnType<typeof expectedResults>>,
): Promise<void> {
  const store = await IngestStore.open(databaseDirectory, 'distributed');
  const rows = await store.readRows();
  const failures = await store.readFailures();
  store.close();
  const byId = new Map(items.map((item) => [item.id, item]));
  expect(rows).toHaveLength(expected.vectors.size);
  expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
  let largest = 0;
  for (const row of rows) {
    const vector = expected.vectors.get(row.id);
    expect(vector, `row ${row.id} of ${row.source}`).toBeDefined();
    expect(row.source).toBe(byId.get(row.id)!.source);
    expect(row.vector.length).toBe(vector!.length);
    for (let index = 0; index < vector!.length; index += 1) {
      largest = Math.max(largest, Math.abs(row.vector[index]! - vector![index]!));
    }
  }
  expect(largest).toBeLessThanOrEqual(1e-5);
  expect(failures.map((failure) => failure.source).sort()).toEqual([...corruptSources].sort());
  // The decoder's detail after the path comes from libvips's error buffer, whose text varies
  // with the thread that decoded ("…corrupt header: VipsJpeg: premature end of JPEG image." or
  // just "…corrupt header:."): the library's own part, up to the path, must be exact.
  const libraryPart = (text: string) => text.split(': ')[0];
  for (const failure of failures) {
    const { name, message } = expected.errors.get(failure.id)!;
    expect(failure.error).toBe(name);
    expect(libraryPart(failure.message)).toBe(libraryPart(message));
    expect(failure.message).toContain('corrupt header');
  }
}

function expectReport(output: string): void {
  const good = TEXTS + IMAGES - CORRUPT;
  expect(output).toContain(
    `Run complete: ${good} embedded, ${CORRUPT} failed, of ${TEXTS + IMAGES} items`,
  );
  expect(output).toContain(`Store: ${good} rows in "distributed", ${CORRUPT} failed items`);
  for (const source of corruptSources) {
    expect(output.split(`  ${source}: ImageLoadError: `)).toHaveLength(2); // reported once
  }
}

beforeAll(async () => {
  await ensureRedisServerInstalled();
  scratch = await mkdtemp(join(tmpdir(), 'jina-clip-distributed-'));
  modelPath = (await writeTinyModelRepo(join(scratch, 'tiny-model'), { model: 'jina-clip-v1' }))
    .directory;
  dataFolder = join(scratch, 'data');
  await mkdir(join(dataFolder, 'texts'), { recursive: true });
  await mkdir(join(dataFolder, 'images'), { recursive: true });
  corruptSources = [];
  for (let index = 0; index < TEXTS; index += 1) {
    await writeFile(
      join(dataFolder, 'texts', `text-${String(index).padStart(4, '0')}.txt`),
      `Item ${index}: a photo of ${['a cat', 'a dog', 'a bridge', 'the sea'][index % 4]} number ${index}.`,
    );
  }
  for (let index = 0; index < IMAGES; index += 1) {
    const path = join(dataFolder, 'images', `image-${String(index).padStart(4, '0')}.jpg`);
    if (index % (IMAGES / CORRUPT) === 7) {
      // A JPEG header and then garbage, different in each file (ids are content hashes).
      await writeFile(
        path,
        Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, index & 0xff, index >> 8, 1, 2, 3]),
      );
      corruptSources.push(path);
      continue;
    }
    const background = { r: index % 256, g: (index * 7) % 256, b: Math.floor(index / 4) % 256 };
    await sharp({ create: { width: 24, height: 16, channels: 3, background } })
      .jpeg({ quality: 90 })
      .toFile(path);
  }
  items = await readIngestItems(dataFolder, 'jina-clip-v1');
  expect(items).toHaveLength(TEXTS + IMAGES);
  redis = await startRedisServer({ directory: join(scratch, 'redis') });
}, 600_000);

afterAll(async () => {
  await redis?.stop('SIGTERM');
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('on the local backend (tiny model repo), 3 worker processes', () => {
  let expected: Awaited<ReturnType<typeof expectedResults>>;
  beforeAll(async () => {
    const backend = await createLocalBackend({ modelPath });
    expected = await expectedResults(backend);
    await backend.close();
    expect(expected.vectors.size).toBe(TEXTS + IMAGES - CORRUPT);
    expect(new Set([...expected.errors.values()].map((error) => error.name))).toEqual(
      new Set(['ImageLoadError']),
    );
  }, 300_000);

  it('stops and resumes: every good item once with the runtime vector, every corrupt one recorded', async () => {
    const environment = runEnvironment({ JINA_CLIP_MODEL_PATH: modelPath });
    // A first session: everything enqueued, one worker for a few jobs, then stopped (SIGTERM: it
    // finishes the job in hand).
    const enqueue = startProcess('producer.ts', [dataFolder, '--detach'], environment);
    expect(await enqueue.exited).toBe(0);
    expect(enqueue.output.join('\n')).toContain(
      `2000 items in ${dataFolder}: 2000 to embed in 63 jobs of up to 32 on "${environment.INGEST_QUEUE}", 0 already in the store`,
    );
    const writer = startProcess('store-writer.ts', [], environment);
    const worker = startProcess('embed-worker.ts', ['--verbose'], environment);
    await worker.line(/^done .*/);
    await Promise.all([worker, writer].map(stopProcess));
    // `status` is a health check: jobs waiting and nobody to run them is unhealthy (exit 1).
    const status = startProcess('status.ts', [], environment);
    expect(await status.exited).toBe(1);
    const report = status.output.join('\n');
    const [, completed] =
      new RegExp(
        `^${environment.INGEST_QUEUE}: \\d+ waiting, \\d+ active, \\d+ delayed, \\d+ prioritized, (\\d+) completed`,
        'm',
      ).exec(report) ?? [];
    expect(Number(completed)).toBeGreaterThan(0);
    expect(Number(completed)).toBeLessThan(63);
    expect(report).toMatch(/^unhealthy: \d+ embed jobs waiting and no embed worker connected$/m);

    // Resumed with 3 workers: the producer enqueues nothing twice and waits for the rest.
    const pipeline = startPipeline(3, environment);
    const output = await pipeline.finish();
    expectReport(output);
    await expectStore(environment.JINA_CLIP_LANCEDB, expected);
    for (const each of pipeline.workers) {
      expect(each.output.some((line) => line.startsWith('done '))).toBe(true);
    }
    // Once more: every item is in the store, nothing is enqueued, embedded or written again
    // (the writer only stamps the sources' records with the new run).
    const writerAgain = startProcess('store-writer.ts', [], environment);
    const again = startProcess('producer.ts', [dataFolder], environment);
    expect(await again.exited).toBe(0);
    await stopProcess(writerAgain);
    expect(again.output.join('\n')).toContain(': 0 to embed in 0 jobs');
    expect(again.output.join('\n')).not.toContain('NULL');
    expectReport(again.output.join('\n'));
    await expectStore(environment.JINA_CLIP_LANCEDB, expected);
  });

  it('recovers the job of a worker killed with SIGKILL mid-job (stalled-job detection)', async () => {
    const environment = runEnvironment({ JINA_CLIP_MODEL_PATH: modelPath });
    const events = new QueueEvents(environment.INGEST_QUEUE, { connection: { url: redis.url } });
    const stalled: string[] = [];
    events.on('stalled', ({ jobId }) => stalled.push(jobId));
    await events.waitUntilReady();
    const pipeline = startPipeline(3, environment);
    const victim = pipeline.workers[0]!;
    await victim.line(/^done /); // a job in, so the kill lands mid-run
    const line = await new Promise<string>((resolve) => {
      const seen = victim.output.length;
      const poll = setInterval(() => {
        const next = victim.output.slice(seen).find((each) => each.startsWith('active '));
        if (next !== undefined) {
          victim.child.kill('SIGKILL');
          clearInterval(poll);
          resolve(next);
        }
      }, 1);
    });
    const killedJob = line.split(' ')[1]!;
    await victim.exited;
    expect(victim.output).not.toContain(`done ${killedJob}`);
    const output = await pipeline.finish();
    await events.close();
    expect(stalled).toContain(killedJob);
    // Another worker ran it again.
    const rerun = pipeline.workers
      .slice(1)
      .some((worker) => worker.output.includes(`done ${killedJob}`));
    expect(rerun).toBe(true);
    expectReport(output);
    await expectStore(environment.JINA_CLIP_LANCEDB, expected);
  });

  it('completes with the same result when Redis is killed and restarted mid-run (appendonly)', async () => {
    const environment = runEnvironment({ JINA_CLIP_MODEL_PATH: modelPath });
    const pipeline = startPipeline(3, environment);
    await Promise.all(pipeline.workers.map((worker) => worker.line(/^done /)));
    await redis.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await redis.restart();
    const output = await pipeline.finish();
    expectReport(output);
    await expectStore(environment.JINA_CLIP_LANCEDB, expected);
  });
});

describe('on the api backend (loopback Jina API server with a concurrency cap)', () => {
  let server: JinaApiServer;
  beforeAll(async () => {
    server = await startJinaApiServer({ latencyMs: 20 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('keeps the workers together within the cap and loses nothing to a 429', async () => {
    const cap = 4;
    const workers = 2;
    server.setConcurrencyLimit(cap, 50);
    // One scripted 429 as well: the runtime waits it out, the run goes on.
    server.fail({ status: 429, retryAfterMs: '50' });
    const environment = runEnvironment({
      JINA_API_KEY: server.apiKey,
      JINA_API_BASE_URL: server.url,
      INGEST_API_CONCURRENCY: String(cap / workers),
    });
    const pipeline = startPipeline(workers, environment);
    const output = await pipeline.finish();
    expect(server.peakInFlight).toBeLessThanOrEqual(cap);
    // Each worker uses its share: more than one request per worker in flight at some point (one
    // job of 32 texts is one request, so this needs more than one job per worker at a time).
    expect(server.peakInFlight).toBeGreaterThan(workers);
    const statuses = server.requests.map((request) => request.status);
    expect(statuses.filter((status) => status === 429)).toHaveLength(1);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    server.setConcurrencyLimit(undefined);
    const backend = createApiBackend({ ...loopbackApiOptions(server), model: 'jina-clip-v1' });
    const expected = await expectedResults(backend);
    await backend.close();
    expectReport(output);
    await expectStore(environment.JINA_CLIP_LANCEDB, expected);
  });

  it('retries a job on a transient error, then records its items with their error and goes on', async () => {
    server.reset();
    const folder = join(scratch, 'forty-texts');
    await mkdir(folder, { recursive: true });
    for (let index = 0; index < 40; index += 1) {
      await writeFile(
        join(folder, `text-${String(index).padStart(2, '0')}.txt`),
        `Caption ${index}.`,
      );
    }
    // Each job of 20 texts is one request, retried twice by the runtime: 3 answers of 503 fail one
    // attempt. 9 of them fail the first job's attempt, the second job's attempt (taken while the
    // first waits out its backoff), and the first job's last attempt (INGEST_ATTEMPTS=2): its items
    // are recorded with their error, and the second job's next attempt succeeds.
    server.fail(...Array.from({ length: 9 }, () => ({ status: 503 })));
    const environment = runEnvironment({
      JINA_API_KEY: server.apiKey,
      JINA_API_BASE_URL: server.url,
      INGEST_API_CONCURRENCY: '1',
      INGEST_ATTEMPTS: '2',
    });
    const writer = startProcess('store-writer.ts', [], environment);
    const worker = startProcess('embed-worker.ts', ['--verbose'], environment);
    const producer = startProcess('producer.ts', [folder, '--job-size', '20'], environment);
    expect(await producer.exited, producer.output.join('\n')).toBe(0);
    await Promise.all([writer, worker].map(stopProcess));
    const attempts = worker.output.filter((line) => line.startsWith('active '));
    const [firstJob, secondJob] = attempts.map((line) => line.split(' ')[1]);
    expect(attempts).toEqual([
      `active ${firstJob} attempt 1`,
      `active ${secondJob} attempt 1`,
      `active ${firstJob} attempt 2`,
      `active ${secondJob} attempt 2`,
    ]);
    const output = producer.output.join('\n');
    expect(output).toContain('Run complete: 20 embedded, 20 failed, of 40 items');
    const store = await IngestStore.open(environment.JINA_CLIP_LANCEDB, 'distributed');
    const rows = await store.readRows();
    const failures = await store.readFailures();
    store.close();
    expect(rows).toHaveLength(20);
    expect(failures).toHaveLength(20);
    expect(new Set(failures.map((failure) => failure.error))).toEqual(new Set(['ApiError']));
    expect(new Set([...rows, ...failures].map((each) => each.id)).size).toBe(40);
  });
});

describe('npm run ingest:distributed', () => {
  it('starts redis-server, the writer, the workers and the producer, and stops them all', async () => {
    const environment = runEnvironment({
      JINA_CLIP_MODEL_PATH: modelPath,
      INGEST_REDIS_DIRECTORY: join(scratch, 'launcher-redis'),
    });
    delete environment.REDIS_URL;
    const launcher = startProcess('run-distributed.ts', ['--workers', '2'], environment);
    const code = await launcher.exited;
    const output = launcher.output.join('\n');
    expect(code, output).toBe(0);
    expect(output).toMatch(/^Started redis-server at redis:\/\/127\.0\.0\.1:\d+/m);
    expect(output).toMatch(/^10 items in .*: 10 to embed in 1 jobs of up to 32/m);
    expect(output).toContain('Run complete: 10 embedded, 0 failed, of 10 items');
    expect(output).toContain('Store: 10 rows in "distributed", 0 failed items');
  });
});
