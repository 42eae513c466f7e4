/**
 * The store writer process: the one process that writes the run's LanceDB store. It takes write
 * jobs (an embed job's vectors and failures, a producer's source records) from the results queue,
 * many at a time, and upserts them in large coalesced writes. Run exactly one per store, on a machine that reaches
 * both Redis and the store.
 *
 *   REDIS_URL=redis://host:6379 JINA_CLIP_LANCEDB=/data/lancedb npm run ingest:writer --workspace examples
 */
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { WriteJobData, WriteJobResult } from './ingest-jobs.js';
import {
  ingestSettingsFromEnvironment,
  redisConnection,
  resultsQueueName,
  runCommand,
  storeIdentity,
} from './ingest-settings.js';
import { IngestStore, StoreMismatchError } from './ingest-store.js';
import { checkRedis } from './redis-health.js';
import { WriteBatcher } from './write-batcher.js';

await runCommand(async () => {
  const settings = ingestSettingsFromEnvironment();
  await checkRedis(settings);
  const identity = storeIdentity(settings);
  const store = await IngestStore.open(
    settings.databaseDirectory,
    settings.table,
    settings.storageOptions,
  );
  const batcher = new WriteBatcher(store);

  async function processJob(job: Job<WriteJobData>): Promise<WriteJobResult> {
    const {
      embedJobId,
      run,
      store: target,
      rows,
      failures,
      records,
      clearedFailures,
    } = job.data ?? {};
    if (target !== identity) {
      // Another launcher's job in a shared Redis: never written into this store.
      throw new UnrecoverableError(
        `StoreMismatchError: this write job is for ${target}, this writer writes ${identity}`,
      );
    }
    try {
      await store.checkRows(rows);
      await batcher.write({ rows, failures, records, clearedFailures });
    } catch (error) {
      if (error instanceof StoreMismatchError) {
        throw new UnrecoverableError(`${error.name}: ${error.message}`);
      }
      throw error;
    }
    return {
      embedJobId,
      run,
      rows: rows.length,
      failures: failures.length,
      items: job.data.items ?? rows.length + failures.length,
    };
  }

  const worker = new Worker<WriteJobData, WriteJobResult>(resultsQueueName(settings), processJob, {
    connection: redisConnection(settings),
    // Many jobs at once, so their rows join one write (WriteBatcher); still one process writing.
    concurrency: 64,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: 2,
    // Vectors are large: a written job leaves Redis (the upsert makes a repeat harmless anyway).
    removeOnComplete: { count: 0 },
    // A failed write stays (the producer lists and retries it), up to a bound.
    removeOnFail: { count: 10_000 },
  });
  worker.on('error', (error) => console.error(`writer: ${error.message}`));
  worker.on('failed', (job, error) =>
    console.error(`writer: write job ${job?.id} failed: ${error.message}`),
  );
  await worker.waitUntilReady();
  console.log(
    `writer ${process.pid} ready: ${settings.databaseDirectory} table "${settings.table}"`,
  );

  async function stop(): Promise<void> {
    await worker.close();
    await batcher.drain();
    store.close();
    process.exit(0);
  }
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});
