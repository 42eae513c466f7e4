/**
 * The producer of a distributed run: walks a folder, enqueues its items in jobs of `--job-size`,
 * then shows the whole run's progress (done / total, rate, ETA) from the queue's events until
 * every item is written or recorded as failed, and prints the failures.
 *
 * Stop it (Ctrl-C) any time: the jobs stay in Redis and the workers go on. Run it again on the same
 * folder to resume: each job's id is a hash of its items' ids, so nothing is enqueued twice, and
 * jobs that gave up are retried. `--reset` forgets the queue's jobs first (a new run over the same store; the upsert by id
 * still writes each item once).
 *
 *   npm run ingest:producer --workspace examples [-- <folder>] [--job-size 32] [--reset] [--detach]
 */
import { parseArgs } from 'node:util';
import { Queue, QueueEvents } from 'bullmq';
import { SAMPLE_DATA } from '../data-folder.js';
import { createRateProgress } from '../progress-bar.js';
import { buildEmbedJobs } from './embed-jobs.js';
import { readIngestItems } from './ingest-item.js';
import type { EmbedJobData, EmbedJobResult } from './ingest-jobs.js';
import {
  ingestSettingsFromEnvironment,
  redisConnection,
  resultsQueueName,
} from './ingest-settings.js';
import { IngestStore } from './ingest-store.js';
import { pendingJobCount, readQueueProgress } from './queue-progress.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'job-size': { type: 'string', default: '32' },
    reset: { type: 'boolean', default: false },
    detach: { type: 'boolean', default: false },
  },
});
const folder = positionals[0] ?? SAMPLE_DATA;
const jobSize = Number(values['job-size']);
if (!Number.isInteger(jobSize) || jobSize < 1) {
  throw new Error(`--job-size must be a positive integer, got ${values['job-size']}.`);
}
const settings = ingestSettingsFromEnvironment();
const connection = redisConnection(settings);
const queue = new Queue<EmbedJobData, EmbedJobResult>(settings.queueName, { connection });
const results = new Queue(resultsQueueName(settings), { connection });

if (values.reset) {
  await queue.obliterate({ force: true });
  await results.obliterate({ force: true });
}
const items = await readIngestItems(folder);
const jobs = buildEmbedJobs(items, jobSize, settings.attempts);
// Queue.addBulk skips a job whose id is already in the queue: a rerun enqueues only new items.
for (let start = 0; start < jobs.length; start += 1000) {
  await queue.addBulk(jobs.slice(start, start + 1000));
}
// Jobs that gave up in an earlier session (every attempt failed, or stalled too often) go again,
// with their attempts counted afresh.
const gaveUp = await queue.getJobs(['failed']);
await Promise.all(gaveUp.map((job) => job.retry('failed', { resetAttemptsMade: true })));
if (gaveUp.length > 0) console.log(`Retrying ${gaveUp.length} jobs that gave up earlier`);
console.log(
  `${items.length} items in ${jobs.length} jobs of up to ${jobSize} on "${settings.queueName}"`,
);
if (values.detach) {
  await Promise.all([queue.close(), results.close()]);
  process.exit(0);
}

// Progress: the queue's state once, then its events. Completion is read from the queues' counts,
// so an event missed while Redis restarts never leaves the producer waiting.
const events = new QueueEvents(settings.queueName, { connection });
await events.waitUntilReady();
const start = await readQueueProgress(queue);
let settled = start.settled;
const counted = new Set<string>();
const startedAt = Date.now();
const bar = createRateProgress('ingesting');
bar.start(start.total, settled, { rate: '0' });
events.on('completed', ({ jobId, returnvalue }) => {
  if (counted.has(jobId)) return;
  counted.add(jobId);
  const result = (
    typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue
  ) as EmbedJobResult;
  settled += result.items;
  const rate = (settled - start.settled) / ((Date.now() - startedAt) / 1000);
  bar.update(settled, { rate: rate.toFixed(1) });
});
const stop = async () => {
  bar.stop();
  console.log('Stopped watching; the jobs stay queued and the workers go on. Run again to resume.');
  process.exit(130);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

for (;;) {
  const pending = (await pendingJobCount(queue)) + (await pendingJobCount(results));
  if (pending === 0) break;
  await new Promise((resolve) => setTimeout(resolve, 250));
}
const final = await readQueueProgress(queue);
bar.update(final.settled);
bar.stop();
const seconds = (Date.now() - startedAt) / 1000;
console.log(
  `Run complete: ${final.embedded} embedded, ${final.failed} failed, of ${final.total} items` +
    ` (${((final.settled - start.settled) / seconds).toFixed(1)} items/s this session)`,
);
if (final.failedJobs > 0) {
  console.log(
    `${final.failedJobs} jobs gave up after ${settings.attempts} attempts: run again to retry them.`,
  );
}
const store = await IngestStore.open(settings.databaseDirectory, settings.table);
const failures = await store.readFailures();
console.log(
  `Store: ${await store.countRows()} rows in "${settings.table}", ${failures.length} failed items`,
);
for (const failure of failures.sort((a, b) => a.source.localeCompare(b.source))) {
  console.log(`  ${failure.source}: ${failure.error}: ${failure.message}`);
}
store.close();
await Promise.all([events.close(), queue.close(), results.close()]);
process.exit(final.failedJobs > 0 ? 1 : 0);
