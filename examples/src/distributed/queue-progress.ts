import type { Queue } from 'bullmq';
import type { EmbedJobData, EmbedJobResult } from './ingest-jobs.js';

/** Items of a run, from its embed queue's jobs. */
export interface QueueProgress {
  /** Items in every job of the queue. */
  total: number;
  /** Items of finished jobs: embedded, or recorded as failed. */
  settled: number;
  /** Items embedded, of `settled`. */
  embedded: number;
  /** Items recorded as failed, of `settled`. */
  failed: number;
  /** Jobs that gave up (their items neither embedded nor recorded: rerun the producer). */
  failedJobs: number;
}

const PAGE = 500;
const PENDING_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
] as const;

/** Reads every job of `states`, a page at a time. */
async function eachJob(
  queue: Queue<EmbedJobData, EmbedJobResult>,
  states: readonly ('completed' | 'failed' | (typeof PENDING_STATES)[number])[],
  visit: (data: EmbedJobData | undefined, result: EmbedJobResult | undefined) => void,
): Promise<void> {
  for (let start = 0; ; start += PAGE) {
    const jobs = await queue.getJobs([...states], start, start + PAGE - 1, true);
    for (const job of jobs) if (job !== undefined) visit(job.data, job.returnvalue ?? undefined);
    if (jobs.length < PAGE) return;
  }
}

/** The run's progress as the queue holds it now (the producer's starting point and `status`). */
export async function readQueueProgress(
  queue: Queue<EmbedJobData, EmbedJobResult>,
): Promise<QueueProgress> {
  const progress: QueueProgress = { total: 0, settled: 0, embedded: 0, failed: 0, failedJobs: 0 };
  await eachJob(queue, ['completed'], (data, result) => {
    progress.total += data?.items.length ?? result?.items ?? 0;
    progress.settled += result?.items ?? 0;
    progress.embedded += result?.embedded ?? 0;
    progress.failed += result?.failed ?? 0;
  });
  await eachJob(queue, ['failed', ...PENDING_STATES], (data) => {
    progress.total += data?.items.length ?? 0;
  });
  progress.failedJobs = await queue.getJobCountByTypes('failed');
  return progress;
}

/** Jobs not yet finished in `queue` (waiting, running, or waiting to retry). */
export async function pendingJobCount(queue: Queue): Promise<number> {
  return queue.getJobCountByTypes(...PENDING_STATES);
}
