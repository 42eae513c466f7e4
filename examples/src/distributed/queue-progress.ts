import type { Queue } from 'bullmq';

/** The states of a job not yet finished (BullMQ 6: a paused queue's jobs are `waiting`). */
export const PENDING_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
] as const;

/** Jobs not yet finished in `queue` (waiting, running, or waiting to retry). */
export async function pendingJobCount(queue: Queue): Promise<number> {
  return queue.getJobCountByTypes(...PENDING_STATES);
}
