/**
 * The health of a distributed run, from any machine that reaches its Redis, within seconds: the
 * jobs of both queues by state, the workers and writers connected, and exit code 1 (with the
 * reasons) when the run cannot progress: Redis unreachable, jobs waiting with no writer or no
 * worker, write jobs not written within `INGEST_LOCK_MS` plus a minute (named), or failed write
 * jobs. Usable as a probe.
 *
 *   REDIS_URL=redis://host:6379 npm run ingest:status --workspace examples
 */
import { Queue } from 'bullmq';
import {
  IngestSetupError,
  ingestSettingsFromEnvironment,
  redisConnection,
  resultsQueueName,
  runCommand,
} from './ingest-settings.js';
import { checkRedis } from './redis-health.js';

/** The most stuck write jobs `status` names, of each state (waiting, active). */
const STUCK_JOBS_NAMED = 10;

/**
 * The write jobs not written within `afterMs`: the oldest waiting ones enqueued that long ago, and
 * active ones the writer took that long ago (a writer hung on the store keeps renewing its locks).
 * Each as `<job id> (<state> <seconds> s)`, at most {@link STUCK_JOBS_NAMED} of each state: only
 * the oldest are read, so the probe stays light on a long queue (a write job holds its vectors).
 */
async function stuckWriteJobs(results: Queue, afterMs: number): Promise<string[]> {
  const now = Date.now();
  const named: string[] = [];
  for (const state of ['waiting', 'active'] as const) {
    for (const job of await results.getJobs([state], 0, STUCK_JOBS_NAMED - 1, true)) {
      const since = state === 'active' ? (job.processedOn ?? job.timestamp) : job.timestamp;
      const age = now - since;
      if (age > afterMs) named.push(`${job.id} (${state} ${Math.round(age / 1000)} s)`);
    }
  }
  return named;
}

await runCommand(async () => {
  const settings = ingestSettingsFromEnvironment();
  try {
    await checkRedis(settings, 3000, () => {});
  } catch (error) {
    if (!(error instanceof IngestSetupError)) throw error;
    console.log(`unhealthy: ${error.message}`);
    process.exit(1);
  }
  const connection = redisConnection(settings);
  const queue = new Queue(settings.queueName, { connection });
  const results = new Queue(resultsQueueName(settings), { connection });
  const states = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;
  const embed = await queue.getJobCounts(...states);
  const write = await results.getJobCounts(...states);
  for (const [name, counts] of [
    [queue.name, embed],
    [results.name, write],
  ] as const) {
    console.log(`${name}: ${states.map((state) => `${counts[state]} ${state}`).join(', ')}`);
  }
  const workers = (await queue.getWorkers()).length;
  const writers = (await results.getWorkers()).length;
  console.log(`connected: ${workers} embed workers, ${writers} writer`);
  const problems: string[] = [];
  const embedPending = embed.waiting! + embed.active! + embed.delayed! + embed.prioritized!;
  const writePending = write.waiting! + write.active! + write.delayed! + write.prioritized!;
  if (writePending > 0 && writers === 0) {
    problems.push(`${writePending} write jobs waiting and no store writer connected`);
  }
  if (embedPending > 0 && workers === 0) {
    problems.push(`${embedPending} embed jobs waiting and no embed worker connected`);
  }
  const stuck = await stuckWriteJobs(results, settings.lockDurationMs + 60_000);
  if (stuck.length > 0) {
    problems.push(
      `write jobs stuck (not written within INGEST_LOCK_MS plus a minute): ${stuck.join(', ')}: the writer is stuck`,
    );
  }
  if (write.failed! > 0) {
    problems.push(`${write.failed} write jobs failed: run the producer again to retry them`);
  }
  await Promise.all([queue.close(), results.close()]);
  for (const problem of problems) console.log(`unhealthy: ${problem}`);
  if (problems.length === 0) console.log('healthy');
  process.exit(problems.length > 0 ? 1 : 0);
});
