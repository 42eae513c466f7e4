/**
 * The store writer process: the one process that writes the run's LanceDB store. It takes write
 * jobs (an embed job's vectors and failures) from the results queue, one at a time, and upserts
 * them by item id. Run exactly one per store, on a machine that reaches both Redis and the store.
 *
 *   REDIS_URL=redis://host:6379 JINA_CLIP_LANCEDB=/data/lancedb npm run ingest:writer --workspace examples
 */
import { type Job, Worker } from 'bullmq';
import type { WriteJobData } from './ingest-jobs.js';
import {
  ingestSettingsFromEnvironment,
  redisConnection,
  resultsQueueName,
} from './ingest-settings.js';
import { IngestStore } from './ingest-store.js';

/** What a write job returns; the producer's progress bar counts it. */
export interface WriteJobResult {
  embedJobId: string;
  rows: number;
  failures: number;
}

const settings = ingestSettingsFromEnvironment();
const store = await IngestStore.open(settings.databaseDirectory, settings.table);

async function processJob(job: Job<WriteJobData>): Promise<WriteJobResult> {
  const { embedJobId, rows, failures } = job.data;
  await store.upsertRows(rows);
  await store.recordFailures(failures);
  return { embedJobId, rows: rows.length, failures: failures.length };
}

const worker = new Worker<WriteJobData, WriteJobResult>(resultsQueueName(settings), processJob, {
  connection: redisConnection(settings),
  concurrency: 1,
  lockDuration: settings.lockDurationMs,
  stalledInterval: settings.stalledIntervalMs,
  maxStalledCount: 2,
  // Vectors are large: a written job leaves Redis (the upsert makes a repeat harmless anyway).
  removeOnComplete: { count: 0 },
});
worker.on('error', (error) => console.error(`writer: ${error.message}`));
await worker.waitUntilReady();
console.log(`writer ${process.pid} ready`);

async function stop(): Promise<void> {
  await worker.close();
  store.close();
  process.exit(0);
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
