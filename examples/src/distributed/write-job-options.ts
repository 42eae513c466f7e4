import type { JobsOptions } from 'bullmq';

/**
 * A write job's options: `jobId` fixed by its embed job (a job that ran twice adds one write job),
 * retried 10 times with backoff from 500 ms (a store briefly unavailable), then kept as failed for
 * the producer to list and retry.
 */
export function writeJobOptions(jobId: string): JobsOptions {
  return { jobId, attempts: 10, backoff: { type: 'exponential', delay: 500 } };
}
