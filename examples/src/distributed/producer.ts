/**
 * The producer of a distributed run: walks a folder, enqueues the items the store does not hold
 * yet (for this model) in jobs of `--job-size`, shows the run's progress (items written / total,
 * rate, time left) until every item is written or recorded as failed, checks the totals against
 * the store, and cleans up stale rows when asked.
 *
 * Stop it (Ctrl-C) any time: the jobs stay in Redis and the workers go on. Run it again on the same
 * folder to resume: items already in the store are skipped, queued jobs are not added twice, and
 * jobs that gave up are retried.
 *
 *   npm run ingest:producer --workspace examples -- [<folder> | --manifest <file.jsonl>] [--job-size 32] [--cleanup none|incremental|full]
 *     [--retry-failed] [--reset] [--detach]
 */
import { randomBytes } from 'node:crypto';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { readDataFolder } from '../data-folder.js';
import { createRateProgress } from '../progress-bar.js';
import { failedItem } from './embed-job-items.js';
import { buildEmbedJobs } from './embed-jobs.js';
import { type IngestItem, readIngestItems } from './ingest-item.js';
import type { EmbedJobData, EmbedJobResult, WriteJobData, WriteJobResult } from './ingest-jobs.js';
import { readManifestItems } from './ingest-manifest.js';
import {
  IngestSetupError,
  ingestSettingsFromEnvironment,
  redisConnection,
  resultsQueueName,
  runCommand,
  storeIdentity,
} from './ingest-settings.js';
import { IngestStore, type SourceRecord } from './ingest-store.js';
import { PRODUCER_USAGE, parseProducerArguments } from './producer-arguments.js';
import { pendingJobCount } from './queue-progress.js';
import { checkRedis } from './redis-health.js';
import { writeJobOptions } from './write-job-options.js';

/** The message BullMQ gives a job whose workers died on it more than `maxStalledCount` times. */
const STALLED_REASON = 'job stalled more than allowable limit';

await runCommand(async () => {
  const args = parseProducerArguments(process.argv.slice(2));
  if (args.help) {
    console.log(`Usage: producer [<folder>] [options]\n${PRODUCER_USAGE}`);
    return;
  }
  const { jobSize, cleanup } = args;
  const input = args.manifest ?? args.folder;
  const settings = ingestSettingsFromEnvironment();
  await checkRedis(settings);
  const identity = storeIdentity(settings);
  const connection = redisConnection(settings);
  const queue = new Queue<EmbedJobData, EmbedJobResult>(settings.queueName, { connection });
  const results = new Queue<WriteJobData, WriteJobResult>(resultsQueueName(settings), {
    connection,
  });
  const closeQueues = () => Promise.all([queue.close(), results.close()]);

  if (args.reset) {
    await queue.obliterate({ force: true });
    await results.obliterate({ force: true });
  }
  // One queue serves one store: a second launcher or producer pointed at another store (another
  // folder's) on the same Redis and queue name is refused instead of mixing rows across stores.
  const client = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });
  const claimKey = `${queue.qualifiedName}:ingest-store`;
  if (args.reset) await client.del(claimKey);
  await client.set(claimKey, identity, 'NX');
  const claimed = await client.get(claimKey);
  client.disconnect();
  if (claimed !== identity) {
    await closeQueues();
    throw new IngestSetupError(
      `queue "${settings.queueName}" serves the store ${claimed}; this run writes ${identity}. ` +
        'Set another INGEST_QUEUE, or --reset to give the queue to this store.',
    );
  }

  const run = `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const items =
    args.manifest === undefined
      ? await readIngestItems(args.folder, settings.model)
      : await readManifestItems(args.manifest, settings.model);
  const byId = new Map(items.map((item) => [item.id, item]));
  const store = await IngestStore.open(
    settings.databaseDirectory,
    settings.table,
    settings.storageOptions,
  );
  const rowsBefore = await store.countRows();
  const deferredCount = items.filter((item) => item.kind === 'deferred').length;
  const { pendingCount, jobCount, jobIds, deferredJobRuns } = await enqueue();

  /**
   * Enqueues the items the store lacks in jobs of `--job-size`. The record: an item whose id (its
   * content and the model) is in the store is done. A manifest's URL or path is read by the
   * workers, not here: its content is unknown, so it always goes, and a worker embeds only content
   * the store does not hold.
   */
  async function enqueue() {
    // Ids only, read a batch at a time, and let go once the jobs are queued: at 10M rows the
    // producer's memory is the item list and one such set (`npm run bench:distributed`).
    const written = await store.readRowIds();
    const failed = await store.readFailureIds();
    const pending = items.filter(
      (item) =>
        item.kind === 'deferred' ||
        (!written.has(item.id) && (args.retryFailed || !failed.has(item.id))),
    );
    const jobs = buildEmbedJobs(pending, jobSize, settings.attempts, {
      run,
      store: identity,
      model: settings.model,
    });
    // A completed job whose items are still not in the store (its write job lost or failed for
    // good) goes again: Queue.addBulk would skip its id.
    for (let start = 0; start < jobs.length; start += 100) {
      await Promise.all(
        jobs.slice(start, start + 100).map(async ({ opts }) => {
          if ((await queue.getJobState(opts.jobId)) === 'completed') await queue.remove(opts.jobId);
        }),
      );
    }
    // Queue.addBulk skips a job whose id is already in the queue (an interrupted session's).
    for (let start = 0; start < jobs.length; start += 1000) {
      await queue.addBulk(jobs.slice(start, start + 1000));
    }
    // A deferred item's record names the run of the job that read it: this run's, or that of the
    // job already queued (another producer's, an interrupted session's) that addBulk kept
    // instead. Undefined: the job finished and left the queue before it could be read (any
    // record will do).
    const runs = new Map<string, string | undefined>();
    const deferredJobs = jobs.filter((job) =>
      job.data.items.some((item) => item.kind === 'deferred'),
    );
    for (let start = 0; start < deferredJobs.length; start += 100) {
      await Promise.all(
        deferredJobs.slice(start, start + 100).map(async ({ data, opts }) => {
          const queued = (await queue.getJob(opts.jobId)) as Job<EmbedJobData> | undefined;
          for (const item of data.items) runs.set(item.id, queued?.data?.run);
        }),
      );
    }
    // The texts are in Redis now; the rest of the run needs ids and sources only.
    for (const item of items) if (item.kind === 'text') item.text = '';
    return {
      pendingCount: pending.length,
      jobCount: jobs.length,
      jobIds: new Set(jobs.map((job) => job.opts.jobId)),
      deferredJobRuns: runs,
    };
  }

  /** Jobs whose workers died on them `attempts` times: their items are recorded, never retried. */
  async function recordCrashedJobs(crashed: Job<EmbedJobData>[]): Promise<void> {
    for (const job of crashed) {
      const data = job.data;
      const jobItems: IngestItem[] = data?.items ?? [];
      const failures = jobItems.map((item) =>
        failedItem(
          item,
          data.model,
          'WorkerCrashError',
          `a worker died on this item's job ${job.id} ${settings.attempts} times (killed, out of memory, or crashed)`,
        ),
      );
      // A deferred item is settled by its record (its content's id, or here its own: failed).
      const records = jobItems
        .filter((item) => item.kind === 'deferred')
        .map((item) => ({
          source: item.source,
          id: item.id,
          model: data.model,
          dimensions: 0,
          run: data.run,
        }));
      await results.add(
        'write',
        { embedJobId: job.id!, run: data.run, store: data.store, rows: [], failures, records },
        writeJobOptions(`write-${job.id}`),
      );
      await job.remove();
    }
  }
  /**
   * Writes `records` through the store writer, in write jobs of up to 4,096, at most 8 (about
   * 5 MB) in Redis at once, and waits until each is written (a written job leaves the queue).
   * Returns why not, if a job failed for good or no writer took them.
   */
  async function sendRecords(records: Iterable<SourceRecord>): Promise<string | undefined> {
    const size = 4096;
    const queued: string[] = [];
    let noWriterSince = 0;
    let part = 0;
    let chunk: SourceRecord[] = [];
    const send = async () => {
      const id = `records-${run}-${part}`;
      part += 1;
      queued.push(id);
      const data = { embedJobId: id, run, store: identity, rows: [], failures: [], items: 0 };
      await results.add('write', { ...data, records: chunk }, writeJobOptions(id));
      chunk = [];
    };
    /** Waits until at most `most` record jobs are queued; a reason if they cannot be written. */
    const drain = async (most: number): Promise<string | undefined> => {
      while (queued.length > most) {
        const state = await results.getJobState(queued[0]!);
        if (state === 'failed') {
          const job = await results.getJob(queued[0]!);
          return `write job ${queued[0]} failed: ${job?.failedReason}`;
        }
        if (state === 'completed' || state === 'unknown') {
          queued.shift();
          continue;
        }
        const none = (await results.getWorkers()).length === 0;
        noWriterSince = none ? noWriterSince || Date.now() : 0;
        if (none && Date.now() - noWriterSince > settings.noConsumerTimeoutMs) {
          return `no store writer connected for ${Math.round((Date.now() - noWriterSince) / 1000)} s: start one (npm run ingest:writer)`;
        }
        await new Promise((wake) => setTimeout(wake, 50));
      }
      return undefined;
    };
    for (const record of records) {
      chunk.push(record);
      if (chunk.length < size) continue;
      await send();
      const problem = await drain(7);
      if (problem !== undefined) return problem;
    }
    if (chunk.length > 0) await send();
    return drain(0);
  }

  const gaveUp = await queue.getJobs(['failed']);
  const crashed = gaveUp.filter((job) => job.failedReason === STALLED_REASON);
  await recordCrashedJobs(crashed);
  const retried = gaveUp.filter((job) => job.failedReason !== STALLED_REASON);
  await Promise.all(retried.map((job) => job.retry('failed', { resetAttemptsMade: true })));
  const failedWrites = await results.getJobs(['failed']);
  await Promise.all(failedWrites.map((job) => job.retry('failed', { resetAttemptsMade: true })));
  if (retried.length + failedWrites.length > 0) {
    console.log(
      `Retrying ${retried.length} embed jobs and ${failedWrites.length} write jobs that gave up earlier`,
    );
  }
  console.log(
    `${items.length} items in ${input}: ${pendingCount} to embed in ${jobCount} jobs of up to ${jobSize} on "${settings.queueName}", ${items.length - pendingCount} already in the store${deferredCount > 0 ? ` (${deferredCount} URLs and paths among those to embed: read by the workers, embedded only if their content is not stored)` : ''} (run ${run})`,
  );
  if (args.detach) {
    store.close();
    await closeQueues();
    process.exit(0);
  }

  // Progress counts writes: the writer's completed write jobs for this run's embed jobs.
  const events = new QueueEvents(resultsQueueName(settings), { connection });
  await events.waitUntilReady();
  const startedAt = Date.now();
  let settled = items.length - pendingCount;
  let lastProgressAt = Date.now();
  const bar = createRateProgress('written');
  if (pendingCount > 0) bar.start(items.length, settled, { rate: '0' });
  const counted = new Set<string>();
  events.on('completed', ({ returnvalue }) => {
    const result = (
      typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue
    ) as WriteJobResult;
    if (!jobIds.has(result.embedJobId) || counted.has(result.embedJobId)) return;
    counted.add(result.embedJobId);
    settled += result.items ?? result.rows + result.failures;
    lastProgressAt = Date.now();
    const rate = (settled - (items.length - pendingCount)) / ((Date.now() - startedAt) / 1000);
    bar.update(Math.min(settled, items.length), { rate: rate.toFixed(1) });
  });
  const stop = async () => {
    bar.stop();
    console.log(
      'Stopped watching; the jobs stay queued and the workers go on. Run again to resume.',
    );
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  // Completion is read from the queues' counts, so an event missed while Redis restarts never
  // leaves the producer waiting; a queue with work and nobody to take it ends the wait.
  const idleSince = { writer: 0, worker: 0 };
  let warnedStall = false;
  const note = (line: string) => {
    if (pendingCount > 0) bar.stop();
    console.error(line);
  };
  for (let tick = 0; ; tick += 1) {
    const embedPending = await pendingJobCount(queue);
    const writePending = await pendingJobCount(results);
    const idle = embedPending + writePending === 0;
    if (idle || tick % 8 === 0) {
      const crashedNow = (await queue.getJobs(['failed'])).filter(
        (job) => job.failedReason === STALLED_REASON,
      );
      await recordCrashedJobs(crashedNow);
      if (crashedNow.length > 0) continue;
    }
    if (idle) break;
    const now = Date.now();
    for (const [role, waiting, consumers, start] of [
      ['writer', writePending, results, 'npm run ingest:writer'],
      ['worker', embedPending, queue, 'npm run ingest:worker'],
    ] as const) {
      const none = waiting > 0 && (await consumers.getWorkers()).length === 0;
      idleSince[role] = none ? idleSince[role] || now : 0;
      if (none && now - idleSince[role] > settings.noConsumerTimeoutMs) {
        note(
          `No ${role === 'writer' ? 'store writer' : 'embed worker'} connected for ${Math.round((now - idleSince[role]) / 1000)} s with ${waiting} ${role === 'writer' ? 'write' : 'embed'} jobs waiting: start one (${start}) and run the producer again to watch.`,
        );
        events.close();
        store.close();
        await closeQueues();
        process.exit(3);
      }
    }
    if (!warnedStall && now - lastProgressAt > settings.lockDurationMs + 5000) {
      warnedStall = true;
      note(
        `No item written for ${Math.round((now - lastProgressAt) / 1000)} s: a worker may have died; its job runs again once its lock (INGEST_LOCK_MS=${settings.lockDurationMs}) lapses. Still waiting.`,
      );
    }
    await new Promise((wake) => setTimeout(wake, 250));
  }
  if (pendingCount > 0) {
    bar.update(Math.min(settled, items.length));
    bar.stop();
  }

  // Totals from the store itself, never from the queue: what was enqueued must now be written or
  // recorded as failed; a deferred item through the record its job wrote (its content's id).
  const writtenNow = await store.readRowIds();
  const recordOf = await store.recordsOf(
    items.filter((item) => item.kind === 'deferred').map((item) => item.source),
  );
  const currentId = (item: IngestItem): string | undefined => {
    if (item.kind !== 'deferred') return item.id;
    const record = recordOf.get(item.source);
    const expected = deferredJobRuns.get(item.id);
    // Run ids start with their start time: a later run's record (another producer that read the
    // source again after this run's job) settles it as well; an earlier one is stale.
    return record !== undefined && (expected === undefined || record.run >= expected)
      ? record.id
      : undefined;
  };
  const failures = (await store.readFailures()).filter((failure) => byId.has(failure.id));
  const failedNow = new Set(failures.map((failure) => failure.id));
  let embeddedCount = 0;
  const missing: IngestItem[] = [];
  for (const item of items) {
    const id = currentId(item);
    if (id === undefined || (!writtenNow.has(id) && !failedNow.has(id))) missing.push(item);
    else if (writtenNow.has(id)) embeddedCount += 1;
  }
  // The rows the store gained while this run lasted (another producer's at once included).
  const newRows = writtenNow.size - rowsBefore;
  const seconds = (Date.now() - startedAt) / 1000;
  console.log(
    `Run complete: ${embeddedCount} embedded, ${failedNow.size} failed, of ${items.length} items` +
      ` (${newRows} new rows this run, ${(newRows / seconds).toFixed(1)} rows/s)`,
  );
  const brokenWrites = await results.getJobs(['failed']);
  for (const job of brokenWrites) {
    console.log(
      `Write job ${job.id} failed: ${job.failedReason} (run the producer again to retry it)`,
    );
  }
  if (missing.length > 0) {
    console.log(
      `${missing.length} items missing: neither written nor recorded as failed (Redis lost jobs, or writes failed). Run the producer again to embed them. First: ${missing
        .slice(0, 5)
        .map((item) => item.source)
        .join(', ')}`,
    );
  }
  let cleaned = '';
  if (cleanup !== 'none' && missing.length === 0 && brokenWrites.length === 0) {
    const deleted = await store.deleteStale(
      new Set(items.map(currentId).filter((id) => id !== undefined)),
      cleanup === 'incremental'
        ? new Set(
            args.manifest === undefined
              ? (await readDataFolder(args.folder)).map((entry) => entry.path)
              : items.flatMap((item) => [item.source, ...(item.copies ?? [])]),
          )
        : undefined,
    );
    cleaned = `; cleanup ${cleanup}: ${deleted.rows} stale rows and ${deleted.failures} stale failures deleted`;
  }
  // The record manager: each source of a settled item (written or recorded as failed) with its
  // id, the model, the width and this run, after the cleanup that read the previous records.
  // Sent through the writer, the one process that writes the store's tables.
  const width = (await store.shape())?.width ?? 0;
  function* runRecords(): Generator<SourceRecord> {
    for (const item of items) {
      const id = currentId(item);
      if (id === undefined || !(writtenNow.has(id) || failedNow.has(id))) continue;
      for (const source of new Set([item.source, ...(item.copies ?? [])])) {
        yield {
          source,
          id,
          model: settings.model,
          dimensions: writtenNow.has(id) ? width : 0,
          run,
        };
      }
    }
  }
  const unrecorded = await sendRecords(runRecords());
  if (unrecorded !== undefined) {
    console.log(
      `The source records of this run are not all written (${unrecorded}): run the producer again to write them.`,
    );
  } else if (cleanup === 'full' && cleaned !== '') {
    cleaned += `, ${await store.forgetSourcesNotSeenBy(run)} records of sources not seen forgotten`;
  }
  console.log(
    `Store: ${await store.countRows()} rows in "${settings.table}", ${failedNow.size} failed items${cleaned} (${settings.databaseDirectory})`,
  );
  for (const failure of failures.sort((a, b) => a.source.localeCompare(b.source))) {
    console.log(`  ${failure.source}: ${failure.error}: ${failure.message}`);
    for (const copy of byId.get(failure.id)?.copies ?? []) {
      console.log(`  ${copy}: the same content as ${failure.source}: ${failure.error}`);
    }
  }
  store.close();
  await events.close();
  await closeQueues();
  process.exit(missing.length > 0 || brokenWrites.length > 0 || unrecorded !== undefined ? 1 : 0);
});
