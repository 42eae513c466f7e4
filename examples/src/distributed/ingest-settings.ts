import { resolve } from 'node:path';
import type { ConnectionOptions } from 'bullmq';

/**
 * What every process of a distributed run agrees on, from the environment. On many machines,
 * point `REDIS_URL` at the one shared Redis and `JINA_CLIP_LANCEDB` at the store the writer
 * writes (only the writer writes it).
 */
export interface IngestSettings {
  /** `REDIS_URL` (`redis://` or `rediss://`). @default 'redis://127.0.0.1:6379' */
  redisUrl: string;
  /** `INGEST_QUEUE`: the embed queue's name; results go to `<name>-results`. @default 'jina-clip-ingest' */
  queueName: string;
  /** `JINA_CLIP_LANCEDB`: the LanceDB folder (absolute) or `s3://…` URI. @default '<cwd>/.lancedb' */
  databaseDirectory: string;
  /** `INGEST_TABLE`: the table of vectors; failed items go to `<table>_failures`. @default 'distributed' */
  table: string;
  /** `JINA_CLIP_MODEL`: the model; ids, jobs and rows are keyed by it. @default 'jina-clip-v1' */
  model: string;
  /** `INGEST_ATTEMPTS`: runs of a job (a worker that died on it counts as one) before its items are recorded as failed. @default 3 */
  attempts: number;
  /** `INGEST_LOCK_MS`: a job's lock; a worker silent this long is presumed dead (1,000 to 3,600,000). @default 30000 */
  lockDurationMs: number;
  /** `INGEST_STALLED_CHECK_MS`: how often workers look for jobs of dead workers (100 to 3,600,000). @default 30000 */
  stalledIntervalMs: number;
  /** `INGEST_API_CONCURRENCY`: API requests in flight per worker process (api backend, 1 to 256). @default 2 */
  apiConcurrency: number;
  /** `INGEST_WAIT_MS`: how long the producer waits with jobs queued and no writer or no worker before it exits non-zero. @default 60000 */
  noConsumerTimeoutMs: number;
  /** `INGEST_ROOT`: the folder workers may read images from (set by the launcher); unset: any path, with a warning. @default undefined */
  root: string | undefined;
  /** `INGEST_ALLOW_PRIVATE_NETWORK=1`: workers may download image URLs from loopback and private addresses (the runtime's `allowPrivateNetwork`). @default false */
  allowPrivateNetwork: boolean;
  /** `JINA_CLIP_LANCEDB_STORAGE_OPTIONS`: a JSON object of strings passed to LanceDB's `connect` (credentials, region, endpoint of an `s3://` store). @default undefined */
  storageOptions: Record<string, string> | undefined;
  /** `INGEST_ALLOW_NO_AOF=1`: run on a Redis without `appendonly yes` (a restart loses jobs: warned, and the end check catches it). @default false */
  allowNoAppendOnly: boolean;
}

/** A setting out of its bounds or unparsable: reported once, in one line, before anything starts. */
export class IngestSettingsError extends Error {
  override readonly name = 'IngestSettingsError';
  /** The environment variable or option at fault. */
  readonly setting: string;
  constructor(setting: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.setting = setting;
  }
}

/**
 * What a run needs is not there or not safe: Redis unreachable or without `appendonly`, the queue
 * claimed by another store, the Redis folder locked by another launcher, no redis-server.
 * Reported in one line (exit code 2), before anything starts.
 */
export class IngestSetupError extends Error {
  override readonly name: string = 'IngestSetupError';
}

/**
 * A whole number written in decimal digits within `[minimum, maximum]`: `0x2`, `1e3`, `2.0` and
 * ` 2` are refused, which `Number()` would take.
 */
export function boundedInteger(
  name: string,
  text: string | undefined,
  fallback: number,
  minimum: number,
  maximum: number,
): number {
  if (text === undefined || text === '') return fallback;
  const value = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new IngestSettingsError(
      name,
      `${name} must be a whole number from ${minimum} to ${maximum}, got ${JSON.stringify(text)}.`,
    );
  }
  return value;
}

function redisUrl(text: string | undefined): string {
  const url = text || 'redis://127.0.0.1:6379';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new IngestSettingsError('REDIS_URL', `REDIS_URL is not a URL: ${JSON.stringify(url)}.`, {
      cause,
    });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new IngestSettingsError(
      'REDIS_URL',
      `REDIS_URL must start with redis:// or rediss://, got ${JSON.stringify(parsed.protocol)}.`,
    );
  }
  return url;
}

function tableName(text: string | undefined): string {
  const table = text || 'distributed';
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(table)) {
    throw new IngestSettingsError(
      'INGEST_TABLE',
      `INGEST_TABLE must be 1 to 128 letters, digits, "_" or "-", got ${JSON.stringify(table)}.`,
    );
  }
  return table;
}

function storageOptions(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined || text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !Object.values(value).every((each) => typeof each === 'string')
  ) {
    throw new IngestSettingsError(
      'JINA_CLIP_LANCEDB_STORAGE_OPTIONS',
      'JINA_CLIP_LANCEDB_STORAGE_OPTIONS must be a JSON object of strings, e.g. {"region":"us-east-1"}.',
    );
  }
  return value as Record<string, string>;
}

/**
 * The settings from `environment`, each checked against its bounds. A relative `JINA_CLIP_LANCEDB`
 * or `INGEST_ROOT` resolves against `cwd` (the launcher passes the user's folder: npm's `INIT_CWD`).
 */
export function ingestSettingsFromEnvironment(
  environment: NodeJS.ProcessEnv = process.env,
  cwd: string = environment.INIT_CWD || process.cwd(),
): IngestSettings {
  const database = environment.JINA_CLIP_LANCEDB || '.lancedb';
  return {
    redisUrl: redisUrl(environment.REDIS_URL),
    queueName: environment.INGEST_QUEUE || 'jina-clip-ingest',
    databaseDirectory: /^[a-z][a-z0-9+.-]*:\/\//i.test(database)
      ? database
      : resolve(cwd, database),
    table: tableName(environment.INGEST_TABLE),
    model: environment.JINA_CLIP_MODEL || 'jina-clip-v1',
    attempts: boundedInteger('INGEST_ATTEMPTS', environment.INGEST_ATTEMPTS, 3, 1, 50),
    lockDurationMs: boundedInteger(
      'INGEST_LOCK_MS',
      environment.INGEST_LOCK_MS,
      30_000,
      1000,
      3_600_000,
    ),
    stalledIntervalMs: boundedInteger(
      'INGEST_STALLED_CHECK_MS',
      environment.INGEST_STALLED_CHECK_MS,
      30_000,
      100,
      3_600_000,
    ),
    apiConcurrency: boundedInteger(
      'INGEST_API_CONCURRENCY',
      environment.INGEST_API_CONCURRENCY,
      2,
      1,
      256,
    ),
    noConsumerTimeoutMs: boundedInteger(
      'INGEST_WAIT_MS',
      environment.INGEST_WAIT_MS,
      60_000,
      1000,
      86_400_000,
    ),
    root: environment.INGEST_ROOT ? resolve(cwd, environment.INGEST_ROOT) : undefined,
    allowNoAppendOnly: environment.INGEST_ALLOW_NO_AOF === '1',
    allowPrivateNetwork: environment.INGEST_ALLOW_PRIVATE_NETWORK === '1',
    storageOptions: storageOptions(environment.JINA_CLIP_LANCEDB_STORAGE_OPTIONS),
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

/**
 * The store a run writes, carried in every job: a writer refuses a job meant for another store,
 * and a queue serves one store only (see `claimQueue`).
 */
export function storeIdentity(settings: IngestSettings): string {
  return `${settings.databaseDirectory}#${settings.table}#${settings.model}`;
}

/**
 * Runs `main`; an {@link IngestSettingsError} or {@link IngestSetupError} ends the process
 * with its one line on stderr and exit code 2 instead of a stack trace.
 */
export async function runCommand(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof IngestSettingsError || error instanceof IngestSetupError) {
      console.error(`error: ${(error as Error).message}`);
      process.exit(2);
    }
    throw error;
  }
}
