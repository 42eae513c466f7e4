/**
 * An embed worker process: takes embed jobs from the run's Redis, embeds their items with
 * `JinaClipEmbeddings` (the backend from the environment, as every example), and hands the vectors
 * to the store writer through the results queue. Start as many as you like, on any machine that
 * reaches the Redis; each takes one job at a time.
 *
 *   REDIS_URL=redis://host:6379 npm run ingest:worker --workspace examples [-- --verbose]
 */
import { parseArgs } from 'node:util';
import { type Job, Queue, Worker } from 'bullmq';
import { JinaClipEmbeddings } from 'langchain-jina-clip';
import { embeddingsOptionsFromEnvironment } from '../embeddings-options.js';
import { embedItemsSettled, isItemError } from './embed-items-settled.js';
import type {
  EmbedJobData,
  EmbedJobResult,
  FailedItem,
  StoredRow,
  WriteJobData,
} from './ingest-jobs.js';
import {
  ingestSettingsFromEnvironment,
  redisConnection,
  resultsQueueName,
} from './ingest-settings.js';
import { encodeVector } from './vector-codec.js';

const { values } = parseArgs({ options: { verbose: { type: 'boolean', default: false } } });
const settings = ingestSettingsFromEnvironment();
const connection = redisConnection(settings);
const options = embeddingsOptionsFromEnvironment();
// The API's concurrency is shared: each worker keeps its own share (`INGEST_API_CONCURRENCY`, the
// launcher sets cap / workers), and the runtime still waits out any 429 it gets.
const embeddings = new JinaClipEmbeddings(
  options.backend === 'api' ? { ...options, maxConcurrency: settings.apiConcurrency } : options,
);
const results = new Queue<WriteJobData>(resultsQueueName(settings), { connection });

async function processJob(job: Job<EmbedJobData>): Promise<EmbedJobResult> {
  if (values.verbose) console.log(`active ${job.id} attempt ${job.attemptsMade + 1}`);
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const rows: StoredRow[] = [];
  const failures: FailedItem[] = [];
  for (const settled of await embedItemsSettled(embeddings, job.data.items)) {
    const { item } = settled;
    if ('vector' in settled) {
      rows.push({
        id: item.id,
        kind: item.kind,
        source: item.source,
        text: item.kind === 'text' ? item.text : item.source,
        vector: encodeVector(settled.vector),
      });
      continue;
    }
    // A transient error (a timeout, the API down) fails the job, which BullMQ retries with
    // backoff; on the last attempt, or for the item's own fault, the item is recorded as failed.
    if (!isItemError(settled.error) && !lastAttempt) throw settled.error;
    const error = settled.error as Error;
    failures.push({
      id: item.id,
      kind: item.kind,
      source: item.source,
      error: error?.name ?? 'Error',
      // The runtime's "Input N: " counts within this worker's call, meaningless in the run: the
      // row names the item by its source instead.
      message: (error?.message ?? String(error)).replace(/^Input \d+: /, ''),
    });
  }
  // A fixed id per embed job: a job that runs again (a dead worker's, recovered) adds no second
  // write job while the first is queued, and the writer's upsert makes any repeat harmless.
  await results.add(
    'write',
    { embedJobId: job.id!, rows, failures },
    { jobId: `write-${job.id}`, attempts: 10, backoff: { type: 'exponential', delay: 500 } },
  );
  if (values.verbose) console.log(`done ${job.id}`);
  return { items: job.data.items.length, embedded: rows.length, failed: failures.length };
}

const worker = new Worker<EmbedJobData, EmbedJobResult>(settings.queueName, processJob, {
  connection,
  concurrency: 1,
  lockDuration: settings.lockDurationMs,
  stalledInterval: settings.stalledIntervalMs,
  maxStalledCount: 2,
});
worker.on('error', (error) => console.error(`worker: ${error.message}`));
await worker.waitUntilReady();
console.log(`worker ${process.pid} ready`);

async function stop(): Promise<void> {
  // Finishes the job in hand (a stop, not a crash), then releases Redis and the backend.
  await worker.close();
  await results.close();
  await embeddings.close();
  process.exit(0);
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
