/**
 * The distributed example (examples/src/distributed) on the api backend against the loopback Jina
 * API server with 50 ms of latency: items/s from the first job enqueued to the last row written,
 * with 1, 2 and 4 embed worker processes (and the one store writer), beside the same items embedded
 * and written by one process without the queue. Worker start-up is outside the timing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { JinaApiServer } from 'jina-clip-runtime/testing';
import { JinaClipEmbeddings } from 'langchain-jina-clip';
import { buildEmbedJobs } from '../../../examples/src/distributed/embed-jobs.js';
import { type IngestItem, readIngestItems } from '../../../examples/src/distributed/ingest-item.js';
import {
  ingestSettingsFromEnvironment,
  storeIdentity,
} from '../../../examples/src/distributed/ingest-settings.js';
import { IngestStore } from '../../../examples/src/distributed/ingest-store.js';
import { encodeVector } from '../../../examples/src/distributed/vector-codec.js';
import { WriteBatcher } from '../../../examples/src/distributed/write-batcher.js';

/** One measured configuration. */
export interface ScalingRow {
  /** `in-process` (no queue) or the number of embed workers. */
  setup: 'in-process' | number;
  items: number;
  seconds: number;
  itemsPerSecond: number;
}

const DISTRIBUTED = fileURLToPath(new URL('../../../examples/src/distributed/', import.meta.url));
const JOB_SIZE = 32;
const MODEL = 'jina-clip-v1';
/** API requests in flight per worker (and in the one-process run). */
const API_CONCURRENCY = 2;

/** Writes `count` short texts into `folder` and reads them back as items. */
export async function writeTextItems(folder: string, count: number): Promise<IngestItem[]> {
  await mkdir(folder, { recursive: true });
  for (let index = 0; index < count; index += 1) {
    await writeFile(
      join(folder, `text-${String(index).padStart(5, '0')}.txt`),
      `Item ${index}: a short caption of a photo, number ${index}, for the queue benchmark.`,
    );
  }
  return readIngestItems(folder, MODEL);
}

/** Starts one of the example's processes (`file` under examples/src/distributed) with tsx. */
export function startRole(
  file: string,
  environment: NodeJS.ProcessEnv,
): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(DISTRIBUTED, file)], {
    env: environment,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(' ready')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`${file} exited with ${code} before it was ready`)),
    );
  });
  return { child, ready };
}

/** One run through the queue with `workers` embed workers. */
export async function measureQueueRun(options: {
  items: readonly IngestItem[];
  workers: number;
  redisUrl: string;
  server: JinaApiServer;
  storeDirectory: string;
}): Promise<ScalingRow> {
  const { items, workers, redisUrl, server, storeDirectory } = options;
  const queueName = `bench-${workers}-${Date.now()}`;
  const environment = {
    ...process.env,
    REDIS_URL: redisUrl,
    INGEST_QUEUE: queueName,
    JINA_CLIP_LANCEDB: storeDirectory,
    JINA_API_KEY: server.apiKey,
    JINA_API_BASE_URL: server.url,
    INGEST_API_CONCURRENCY: String(API_CONCURRENCY),
  };
  const roles = [startRole('store-writer.ts', environment)];
  for (let index = 0; index < workers; index += 1)
    roles.push(startRole('embed-worker.ts', environment));
  await Promise.all(roles.map((role) => role.ready));
  const connection = { url: redisUrl };
  const queue = new Queue(queueName, { connection });
  const results = new Queue(`${queueName}-results`, { connection });
  const jobs = buildEmbedJobs(items, JOB_SIZE, 3, {
    run: queueName,
    store: storeIdentity(ingestSettingsFromEnvironment(environment)),
    model: MODEL,
  });
  const started = performance.now();
  await queue.addBulk(jobs);
  const pending = ['waiting', 'active', 'delayed', 'prioritized'] as const;
  for (;;) {
    const busy =
      (await queue.getJobCountByTypes(...pending)) + (await results.getJobCountByTypes(...pending));
    if (busy === 0 && (await queue.getCompletedCount()) === jobs.length) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all([queue.close(), results.close()]);
  await Promise.all(
    roles.map(async ({ child }) => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }),
  );
  await checkRows(storeDirectory, items.length);
  return { setup: workers, items: items.length, seconds, itemsPerSecond: items.length / seconds };
}

/**
 * The same items, the same job size, API concurrency and coalesced writes, in one process: no
 * queue, no hops.
 */
export async function measureInProcess(options: {
  items: readonly IngestItem[];
  server: JinaApiServer;
  storeDirectory: string;
}): Promise<ScalingRow> {
  const { items, server, storeDirectory } = options;
  const embeddings = new JinaClipEmbeddings({
    backend: 'api',
    apiKey: server.apiKey,
    baseURL: server.url,
    maxConcurrency: API_CONCURRENCY,
  });
  const store = await IngestStore.open(storeDirectory, 'distributed');
  // The same work as one worker and the writer: API_CONCURRENCY jobs in flight, their rows joined
  // into large merge-inserts by the writer's own batcher. Only the queue and the hops are missing.
  const batcher = new WriteBatcher(store);
  const chunks: IngestItem[][] = [];
  for (let start = 0; start < items.length; start += JOB_SIZE) {
    chunks.push(items.slice(start, start + JOB_SIZE));
  }
  const started = performance.now();
  const writes: Promise<void>[] = [];
  const lanes = Array.from({ length: API_CONCURRENCY }, async () => {
    for (let chunk = chunks.shift(); chunk !== undefined; chunk = chunks.shift()) {
      const batch = chunk;
      const vectors = await embeddings.embedDocuments(
        batch.map((item) => (item.kind === 'text' ? item.text : '')),
      );
      writes.push(
        batcher.write({
          rows: batch.map((item, index) => ({
            id: item.id,
            kind: item.kind === 'text' ? 'text' : 'image',
            source: item.source,
            text: item.kind === 'text' ? item.text : item.source,
            model: MODEL,
            vector: encodeVector(vectors[index]!),
          })),
          failures: [],
        }),
      );
    }
  });
  await Promise.all(lanes);
  await Promise.all(writes);
  await batcher.drain();
  const seconds = (performance.now() - started) / 1000;
  store.close();
  await embeddings.close();
  await checkRows(storeDirectory, items.length);
  return {
    setup: 'in-process',
    items: items.length,
    seconds,
    itemsPerSecond: items.length / seconds,
  };
}

async function checkRows(storeDirectory: string, expected: number): Promise<void> {
  const store = await IngestStore.open(storeDirectory, 'distributed');
  const rows = await store.countRows();
  store.close();
  if (rows !== expected) throw new Error(`${storeDirectory} holds ${rows} rows, not ${expected}`);
}
