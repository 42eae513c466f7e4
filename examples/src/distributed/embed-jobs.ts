import { createHash } from 'node:crypto';
import type { IngestItem } from './ingest-item.js';
import type { EmbedJobData } from './ingest-jobs.js';

/** An embed job as `Queue.addBulk` takes it. */
export interface EmbedJobSpec {
  name: 'embed';
  data: EmbedJobData;
  opts: {
    jobId: string;
    attempts: number;
    backoff: { type: 'exponential'; delay: number };
  };
}

/** What every job of a run carries besides its items. */
export interface EmbedJobContext {
  run: string;
  store: string;
  model: string;
}

/**
 * `items` (only those not yet in the store: the producer filters them) in jobs of up to `jobSize`,
 * each with an id made of the store, the model and its items' ids: enqueued again (a resumed
 * session), a job already in the queue is skipped by BullMQ instead of added twice. A failed run
 * is tried `attempts` times in all, with exponential backoff from 1 s.
 */
export function buildEmbedJobs(
  items: readonly IngestItem[],
  jobSize: number,
  attempts: number,
  context: EmbedJobContext,
): EmbedJobSpec[] {
  const jobs: EmbedJobSpec[] = [];
  for (let start = 0; start < items.length; start += jobSize) {
    const chunk = items.slice(start, start + jobSize);
    const key = createHash('sha256').update(context.store).update('\0');
    for (const item of chunk) key.update(item.id);
    jobs.push({
      name: 'embed',
      data: { ...context, items: chunk },
      opts: {
        jobId: `embed-${key.digest('hex').slice(0, 32)}`,
        attempts,
        backoff: { type: 'exponential', delay: 1000 },
      },
    });
  }
  return jobs;
}
