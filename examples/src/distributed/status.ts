/**
 * The state of a distributed run, from any machine that reaches its Redis: items done of total,
 * and the jobs of both queues by state.
 *
 *   REDIS_URL=redis://host:6379 npm run ingest:status --workspace examples
 */
import { Queue } from 'bullmq';
import type { EmbedJobData, EmbedJobResult } from './ingest-jobs.js';
import {
  ingestSettingsFromEnvironment,
  redisConnection,
  resultsQueueName,
} from './ingest-settings.js';
import { readQueueProgress } from './queue-progress.js';

const settings = ingestSettingsFromEnvironment();
const connection = redisConnection(settings);
const queue = new Queue<EmbedJobData, EmbedJobResult>(settings.queueName, { connection });
const results = new Queue(resultsQueueName(settings), { connection });
const progress = await readQueueProgress(queue);
console.log(
  `${progress.settled}/${progress.total} items settled: ${progress.embedded} embedded, ${progress.failed} failed`,
);
const states = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
for (const each of [queue, results]) {
  const counts = await each.getJobCounts(...states);
  console.log(`${each.name}: ${states.map((state) => `${counts[state]} ${state}`).join(', ')}`);
}
console.log(
  `workers: ${(await queue.getWorkers()).length} embed, ${(await results.getWorkers()).length} writer`,
);
await Promise.all([queue.close(), results.close()]);
