import { join } from 'node:path';
import type { ConnectionOptions } from 'bullmq';

/**
 * What every process of a distributed run agrees on, from the environment. On many machines,
 * point `REDIS_URL` at the one shared Redis and `JINA_CLIP_LANCEDB` at the store the writer
 * writes (only the writer opens it).
 */
export interface IngestSettings {
  /** `REDIS_URL`. @default 'redis://127.0.0.1:6379' */
  redisUrl: string;
  /** `INGEST_QUEUE`: the embed queue's name; results go to `<name>-results`. @default 'jina-clip-ingest' */
  queueName: string;
  /** `JINA_CLIP_LANCEDB`: the LanceDB folder (or `s3://…` URI). @default './.lancedb' */
  databaseDirectory: string;
  /** `INGEST_TABLE`: the table of vectors; failed items go to `<table>_failures`. @default 'distributed' */
  table: string;
  /** `INGEST_ATTEMPTS`: runs of a job before its failed items are recorded as failed. @default 3 */
  attempts: number;
  /** `INGEST_LOCK_MS`: a job's lock; a worker silent this long is presumed dead. @default 30000 */
  lockDurationMs: number;
  /** `INGEST_STALLED_CHECK_MS`: how often workers look for jobs of dead workers. @default 30000 */
  stalledIntervalMs: number;
  /** `INGEST_API_CONCURRENCY`: API requests in flight per worker process (api backend). @default 2 */
  apiConcurrency: number;
}

function positiveInteger(environment: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = environment[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(text)}.`);
  }
  return value;
}

/** The settings from `environment`, each checked. */
export function ingestSettingsFromEnvironment(
  environment: NodeJS.ProcessEnv = process.env,
): IngestSettings {
  return {
    redisUrl: environment.REDIS_URL || 'redis://127.0.0.1:6379',
    queueName: environment.INGEST_QUEUE || 'jina-clip-ingest',
    databaseDirectory: environment.JINA_CLIP_LANCEDB || join(process.cwd(), '.lancedb'),
    table: environment.INGEST_TABLE || 'distributed',
    attempts: positiveInteger(environment, 'INGEST_ATTEMPTS', 3),
    lockDurationMs: positiveInteger(environment, 'INGEST_LOCK_MS', 30_000),
    stalledIntervalMs: positiveInteger(environment, 'INGEST_STALLED_CHECK_MS', 30_000),
    apiConcurrency: positiveInteger(environment, 'INGEST_API_CONCURRENCY', 2),
  };
}

/** BullMQ's connection to the run's Redis. */
export function redisConnection(settings: IngestSettings): ConnectionOptions {
  // Workers block on Redis; ioredis must keep retrying through a Redis restart, not give up.
  return { url: settings.redisUrl, maxRetriesPerRequest: null } as ConnectionOptions;
}

/** The name of the queue the writer consumes. */
export function resultsQueueName(settings: IngestSettings): string {
  return `${settings.queueName}-results`;
}
