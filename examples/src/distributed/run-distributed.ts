/**
 * The whole distributed run with one command, on one machine: a local redis-server when
 * `REDIS_URL` is unset (its files in `INGEST_REDIS_DIRECTORY`, default `./.ingest-redis`, so a
 * stopped run resumes), the store
 * writer, `--workers` embed workers and the producer with its progress bar; on the tiny offline
 * model when neither `JINA_API_KEY` nor `JINA_CLIP_MODEL_PATH` is set.
 *
 *   npm run ingest:distributed [-- <folder>] [--workers 2] [--job-size 32] [--reset]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareOfflineModel } from '../prepare-offline-model.js';
import { startRedisServer } from './redis-server.js';

// `--workers N` is the launcher's; every other argument goes to the producer.
const producerArguments: string[] = [];
let workersText = '2';
for (let index = 2; index < process.argv.length; index += 1) {
  const argument = process.argv[index]!;
  if (argument === '--workers') workersText = process.argv[++index] ?? '';
  else if (argument.startsWith('--workers=')) workersText = argument.slice('--workers='.length);
  else producerArguments.push(argument);
}
const workers = Number(workersText);
if (!Number.isInteger(workers) || workers < 1) {
  throw new Error(`--workers must be a positive integer, got ${JSON.stringify(workersText)}.`);
}

const environment = { ...process.env };
// INGEST_REDIS_DIRECTORY: where the local redis-server keeps its files. @default './.ingest-redis'
const redisDirectory = environment.INGEST_REDIS_DIRECTORY || join(process.cwd(), '.ingest-redis');
const redis = environment.REDIS_URL
  ? undefined
  : await startRedisServer({ directory: redisDirectory });
if (redis !== undefined) {
  environment.REDIS_URL = redis.url;
  console.log(`Started redis-server at ${redis.url} (files in ${redisDirectory})`);
}
if (!environment.JINA_API_KEY && !environment.JINA_CLIP_MODEL_PATH) {
  environment.JINA_CLIP_MODEL_PATH = await prepareOfflineModel();
  console.log('No JINA_API_KEY or JINA_CLIP_MODEL_PATH: running on the tiny offline model');
}
if (environment.JINA_API_KEY && !environment.INGEST_API_CONCURRENCY) {
  // The key's concurrency limit shared among the workers (the runtime waits out any 429 left).
  const limit = Number(environment.JINA_API_CONCURRENCY_LIMIT || 2);
  environment.INGEST_API_CONCURRENCY = String(Math.max(1, Math.floor(limit / workers)));
}

function start(
  file: string,
  args: string[] = [],
  stdout: 'inherit' | 'ignore' = 'ignore',
): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(file, import.meta.url)), ...args],
    { env: environment, stdio: ['ignore', stdout, 'inherit'] },
  );
}

const background = [start('./store-writer.ts')];
for (let index = 0; index < workers; index += 1) background.push(start('./embed-worker.ts'));
const producer = start('./producer.ts', producerArguments, 'inherit');
process.on('SIGINT', () => {}); // Ctrl-C reaches every child; this process waits for them.
const [code] = (await once(producer, 'exit')) as [number | null];
await Promise.all(
  background.map(async (child) => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }),
);
await redis?.stop('SIGTERM');
process.exit(code ?? 1);
