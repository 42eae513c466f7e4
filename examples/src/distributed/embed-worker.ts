/**
 * An embed worker process: takes embed jobs from the run's Redis, embeds their items with
 * `JinaClipEmbeddings` (the backend from the environment, as every example), and hands the vectors
 * to the store writer through the results queue. Start as many as you like, on any machine that
 * reaches the Redis; each takes one job at a time (`INGEST_API_CONCURRENCY` at a time on the api
 * backend). With `INGEST_ROOT` set it reads no image outside that folder.
 *
 *   REDIS_URL=redis://host:6379 INGEST_ROOT=/photos npm run ingest:worker --workspace examples [-- --verbose]
 */
import { parseArgs } from 'node:util';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { IMAGE_SOURCE_OPTION_NAMES, type ReadImageBytesOptions } from 'jina-clip-runtime';
import { JinaClipEmbeddings } from 'langchain-jina-clip';
import { embeddingsOptionsFromEnvironment } from '../embeddings-options.js';
import { embedJobItems, failedItem } from './embed-job-items.js';
import { type IngestItem, isIngestItem } from './ingest-item.js';
import type { EmbedJobData, EmbedJobResult, FailedItem, WriteJobData } from './ingest-jobs.js';
import {
  ingestSettingsFromEnvironment,
  redisConnection,
  resultsQueueName,
  runCommand,
  storeIdentity,
} from './ingest-settings.js';
import { IngestStore } from './ingest-store.js';
import { checkRedis } from './redis-health.js';
import { writeJobOptions } from './write-job-options.js';

await runCommand(async () => {
  const { values } = parseArgs({ options: { verbose: { type: 'boolean', default: false } } });
  const settings = ingestSettingsFromEnvironment();
  await checkRedis(settings);
  const connection = redisConnection(settings);
  const options = embeddingsOptionsFromEnvironment();
  // The API's concurrency is shared: each worker keeps its own share (`INGEST_API_CONCURRENCY`,
  // the launcher sets limit / workers, rounded down), and the runtime still waits out any 429.
  // With INGEST_ROOT, the runtime's own `imageFileRoot` refuses (ImageLoadError, reason
  // 'blocked-path', recorded at once) any image path outside it once `..` and links are resolved.
  const confined = {
    ...(settings.root === undefined ? {} : { imageFileRoot: settings.root }),
    // Manifest URLs are downloaded under the runtime's download policy; private addresses only
    // when INGEST_ALLOW_PRIVATE_NETWORK=1.
    allowPrivateNetwork: settings.allowPrivateNetwork,
  };
  const embeddings = new JinaClipEmbeddings(
    options.backend === 'api'
      ? { ...options, ...confined, maxConcurrency: settings.apiConcurrency }
      : options.backend === 'local'
        ? { ...options, ...confined }
        : options,
  );
  const results = new Queue<WriteJobData>(resultsQueueName(settings), { connection });
  if (settings.root === undefined) {
    console.error('worker: INGEST_ROOT is unset: images are read from any path a job names');
  }

  // A manifest's URLs and paths are read under the same policy the backend reads images with.
  const imagePolicy = Object.fromEntries(
    IMAGE_SOURCE_OPTION_NAMES.filter((name) => name in options).map((name) => [
      name,
      (options as Record<string, unknown>)[name],
    ]),
  ) as ReadImageBytesOptions;
  Object.assign(imagePolicy, confined);
  const identity = storeIdentity(settings);
  // Opened on the first deferred item: it tells which contents read are stored already.
  let store: Promise<IngestStore> | undefined;
  const lookup = async (ids: string[]) => {
    store ??= IngestStore.open(settings.databaseDirectory, settings.table, settings.storageOptions);
    const opened = await store;
    const stored = await opened.existingIds(ids);
    return { stored, width: stored.size > 0 ? ((await opened.shape())?.width ?? 0) : 0 };
  };

  // Fault injection for the tests only: this worker is killed on a job naming this text, as an
  // OOM kill or a decoder abort would kill it.
  const crashOn = process.env.INGEST_TEST_CRASH_ON;

  async function processJob(job: Job<EmbedJobData>): Promise<EmbedJobResult> {
    if (values.verbose) console.log(`active ${job.id} attempt ${job.attemptsMade + 1}`);
    if (crashOn && JSON.stringify(job.data).includes(crashOn)) process.kill(process.pid, 'SIGKILL');
    const data = job.data as Partial<EmbedJobData> | null;
    const items: unknown[] = Array.isArray(data?.items) ? data.items : [];
    if (
      data === null ||
      typeof data !== 'object' ||
      typeof data.store !== 'string' ||
      items.length === 0
    ) {
      // Not a job the producer wrote: nothing to embed, nothing to attribute; recorded as one failure.
      const malformed = {
        kind: 'text',
        id: `job-${job.id}`,
        source: `(job ${job.id})`,
        text: '',
      } as IngestItem;
      await results.add(
        'write',
        {
          embedJobId: job.id!,
          run: String(data?.run ?? ''),
          // No store named: this worker's own (a writer of another store would refuse it).
          store: typeof data?.store === 'string' ? data.store : storeIdentity(settings),
          rows: [],
          failures: [
            failedItem(
              malformed,
              settings.model,
              'MalformedJobError',
              `job ${job.id} carries no items: ${JSON.stringify(job.data)?.slice(0, 200)}`,
            ),
          ],
        },
        writeJobOptions(`write-${job.id}`),
      );
      throw new UnrecoverableError(`MalformedJobError: job ${job.id} carries no items`);
    }
    if (data.model !== settings.model) {
      throw new UnrecoverableError(
        `ModelMismatchError: job ${job.id} is for ${data.model}, this worker embeds with ${settings.model}`,
      );
    }
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const failures: FailedItem[] = [];
    const good: IngestItem[] = [];
    for (const [index, each] of items.entries()) {
      if (!isIngestItem(each)) {
        const stand = {
          kind: 'text',
          id: `job-${job.id}-${index}`,
          source: `(job ${job.id} item ${index})`,
          text: '',
        } as IngestItem;
        failures.push(
          failedItem(
            stand,
            data.model,
            'MalformedJobError',
            `item ${index} is ${JSON.stringify(each)?.slice(0, 200)}`,
          ),
        );
        continue;
      }
      good.push(each);
    }
    const {
      rows,
      failures: itemFailures,
      records,
      clearedFailures,
      alreadyStored,
    } = await embedJobItems(embeddings, good, {
      model: data.model,
      run: data.run!,
      lastAttempt,
      policy: imagePolicy,
      // Read content is looked up in this worker's store only when the job is for it.
      ...(data.store === identity ? { lookup } : {}),
    });
    failures.push(...itemFailures);
    // A fixed id per embed job: a job that runs again (a dead worker's, recovered) adds no second
    // write job while the first is queued, and the writer's upsert makes any repeat harmless.
    await results.add(
      'write',
      {
        embedJobId: job.id!,
        run: data.run!,
        store: data.store,
        rows,
        failures,
        records,
        clearedFailures,
        items: items.length,
      },
      writeJobOptions(`write-${job.id}`),
    );
    if (values.verbose) console.log(`done ${job.id}`);
    return {
      items: items.length,
      embedded: rows.length,
      failed: failures.length,
      alreadyStored,
    };
  }

  const worker = new Worker<EmbedJobData, EmbedJobResult>(settings.queueName, processJob, {
    connection,
    // On the api backend a job of 32 items is one request (the api batch size): one job at a
    // time would leave INGEST_API_CONCURRENCY unused, so a worker holds that many jobs, and the
    // embeddings' maxConcurrency still caps its requests in flight. Locally, one job at a time.
    concurrency: options.backend === 'api' ? settings.apiConcurrency : 1,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    // A worker that died on a job (a crash, an OOM kill) counts as one of its attempts: after
    // `attempts` deaths the job fails for good and the producer records its items.
    maxStalledCount: Math.max(0, settings.attempts - 1),
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 10_000 },
  });
  worker.on('error', (error) => console.error(`worker: ${error.message}`));
  await worker.waitUntilReady();
  console.log(`worker ${process.pid} ready`);
  async function stop(): Promise<void> {
    // Finishes the job in hand (a stop, not a crash), then releases Redis and the backend.
    await worker.close();
    await results.close();
    await embeddings.close();
    (await store)?.close();
    process.exit(0);
  }
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});
