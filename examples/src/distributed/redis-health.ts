import { Redis } from 'ioredis';
import { type IngestSettings, IngestSetupError } from './ingest-settings.js';

/** What {@link checkRedis} found. */
export interface RedisCheck {
  /** `appendonly` is `yes`; `undefined` when the server refuses `CONFIG GET` (managed Redis). */
  appendOnly: boolean | undefined;
}

/**
 * Connects once to `REDIS_URL` within `timeoutMs` (no endless silent retries), and reads its
 * persistence. Without `appendonly yes`, a Redis restart forgets every job (the issue saw 1,874
 * items vanish and a run end "complete"): refused unless `INGEST_ALLOW_NO_AOF=1`, then warned.
 */
export async function checkRedis(
  settings: IngestSettings,
  timeoutMs = 5000,
  warn: (line: string) => void = (line) => console.error(line),
): Promise<RedisCheck> {
  const client = new Redis(settings.redisUrl, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {}); // reported by the rejection below
  const where = new URL(settings.redisUrl).host;
  try {
    const timer = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs).unref(),
    );
    await Promise.race([client.connect().then(() => client.ping()), timer]);
  } catch (cause) {
    client.disconnect();
    throw new IngestSetupError(
      `Redis at ${where} (REDIS_URL) is unreachable: ${(cause as Error).message}.`,
      { cause },
    );
  }
  let appendOnly: boolean | undefined;
  try {
    const [, value] = (await client.config('GET', 'appendonly')) as [string, string];
    appendOnly = value === 'yes';
  } catch {
    appendOnly = undefined;
  } finally {
    client.disconnect();
  }
  if (appendOnly === false && !settings.allowNoAppendOnly) {
    throw new IngestSetupError(
      `Redis at ${where} runs without appendonly: a restart would forget every queued job. ` +
        'Run it with "appendonly yes", or set INGEST_ALLOW_NO_AOF=1 to accept the risk.',
    );
  }
  if (appendOnly !== true) {
    warn(
      `WARNING: Redis at ${where} ${appendOnly === false ? 'runs without appendonly' : 'does not say whether it persists (CONFIG GET refused)'}: ` +
        'a restart loses queued jobs; the end-of-run check will report any item lost.',
    );
  }
  return { appendOnly };
}
