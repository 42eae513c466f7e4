/**
 * The whole distributed run with one command, on one machine, as a supervisor: a local
 * redis-server when `REDIS_URL` is unset (password-protected, its files 0600 in
 * `INGEST_REDIS_DIRECTORY`, default `./.ingest-redis`, so a stopped run resumes), the store
 * writer, `--workers` embed workers and the producer with its progress bar; on the tiny offline
 * model when neither `JINA_API_KEY` nor `JINA_CLIP_MODEL_PATH` is set. A writer or worker that
 * dies (a signal, an OOM kill, an exit) is restarted up to `INGEST_RESTARTS` times, then the run
 * fails naming it; whatever way the launcher ends, it stops everything it started.
 *
 *   npm run ingest:distributed [-- <folder>] [--workers 2] [--job-size 32] [--cleanup incremental] [--help]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareOfflineModel } from '../prepare-offline-model.js';
import { type FolderLock, lockFolder } from './folder-lock.js';
import {
  boundedInteger,
  IngestSettingsError,
  ingestSettingsFromEnvironment,
  runCommand,
} from './ingest-settings.js';
import { PRODUCER_USAGE, parseProducerArguments } from './producer-arguments.js';
import { checkRedis } from './redis-health.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

const USAGE = `Usage: npm run ingest:distributed -- [<folder>] [options]
  --workers N           embed worker processes, 1 to 256 (default 2)
${PRODUCER_USAGE}
Environment: REDIS_URL (unset: a local redis-server), INGEST_REDIS_DIRECTORY, INGEST_RESTARTS
(restarts per process, default 3), JINA_API_CONCURRENCY_LIMIT (your key's limit, default 2), and
every INGEST_* setting of the README.`;

/** One supervised child: its role's name, and how to start it again. */
interface Supervised {
  name: string;
  file: string;
  args: string[];
  child: ChildProcess;
  restarts: number;
}

const started: Supervised[] = [];
let redis: RedisServer | undefined;
let lock: FolderLock | undefined;
let stopping = false;

/** Stops every child (SIGTERM, SIGKILL after 10 s), then redis-server, then the folder lock. */
async function stopEverything(): Promise<void> {
  stopping = true;
  await Promise.all(
    started.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
  await redis?.stop('SIGTERM');
  await lock?.release();
}

function death(child: ChildProcess): string {
  return child.signalCode !== null
    ? `was killed by ${child.signalCode}`
    : `exited with code ${child.exitCode}`;
}

await runCommand(async () => {
  // `--workers N` is the launcher's; every other argument goes to the producer.
  const producerArguments: string[] = [];
  let workersText: string | undefined;
  for (let index = 2; index < process.argv.length; index += 1) {
    const argument = process.argv[index]!;
    if (argument === '--workers') workersText = process.argv[++index] ?? '';
    else if (argument.startsWith('--workers=')) workersText = argument.slice('--workers='.length);
    else producerArguments.push(argument);
  }
  // Everything checked before anything starts: one line, exit code 2.
  const parsed = parseProducerArguments(producerArguments);
  if (parsed.help) {
    console.log(USAGE);
    return;
  }
  const workers = boundedInteger('--workers', workersText, 2, 1, 256);
  const environment: NodeJS.ProcessEnv = { ...process.env };
  const cwd = environment.INIT_CWD || process.cwd();
  const settings = ingestSettingsFromEnvironment(environment, cwd);
  const maxRestarts = boundedInteger('INGEST_RESTARTS', environment.INGEST_RESTARTS, 3, 0, 100);
  const inputStat = await stat(parsed.manifest ?? parsed.folder).catch(() => undefined);
  if (parsed.manifest !== undefined ? !inputStat?.isFile() : !inputStat?.isDirectory()) {
    throw new IngestSettingsError(
      'folder',
      parsed.manifest !== undefined
        ? `${parsed.manifest} is not a file.`
        : `${parsed.folder} is not a folder.`,
    );
  }
  if (environment.JINA_API_KEY && !environment.INGEST_API_CONCURRENCY) {
    // The key's concurrency limit shared among the workers, rounded down: the total in flight
    // never exceeds it (the runtime still waits out any 429).
    const limit = boundedInteger(
      'JINA_API_CONCURRENCY_LIMIT',
      environment.JINA_API_CONCURRENCY_LIMIT,
      2,
      1,
      1024,
    );
    if (workers > limit) {
      throw new IngestSettingsError(
        '--workers',
        `--workers ${workers} exceeds your key's concurrency limit of ${limit} (JINA_API_CONCURRENCY_LIMIT) on the api backend: use at most ${limit} workers.`,
      );
    }
    environment.INGEST_API_CONCURRENCY = String(Math.floor(limit / workers));
  }
  // Every child agrees on absolute paths, and reads image files from the folder (or the
  // manifest's folder) only.
  environment.JINA_CLIP_LANCEDB = settings.databaseDirectory;
  environment.INGEST_ROOT ??=
    parsed.manifest === undefined ? parsed.folder : dirname(parsed.manifest);
  environment.INIT_CWD = cwd;
  environment.VIPS_WARNING ??= '0'; // libvips warnings stay out of the terminal; errors are recorded
  environment.LANCEDB_LOG ??= 'error'; // not LanceDB's "No existing dataset ... will be created" WARN

  process.on('SIGINT', () => {}); // Ctrl-C reaches every child; the producer's exit ends the run.
  process.once('SIGTERM', () => {
    console.error('Stopping: SIGTERM');
    void stopEverything().then(() => process.exit(143));
  });
  try {
    if (!environment.REDIS_URL) {
      const directory = resolve(cwd, environment.INGEST_REDIS_DIRECTORY || '.ingest-redis');
      await mkdir(directory, { recursive: true, mode: 0o700 });
      lock = await lockFolder(directory);
      redis = await startRedisServer({ directory });
      environment.REDIS_URL = redis.url;
      // The URL with its password, for `status` from another terminal: readable by this user only.
      await writeFile(join(directory, 'redis-url'), `${redis.url}\n`, { mode: 0o600 });
      console.log(
        `Started redis-server at redis://127.0.0.1:${redis.port} (password-protected, files in ${directory}; REDIS_URL=$(cat ${join(directory, 'redis-url')}) for status)`,
      );
    } else {
      await checkRedis(settings);
    }
    if (!environment.JINA_API_KEY && !environment.JINA_CLIP_MODEL_PATH) {
      environment.JINA_CLIP_MODEL_PATH = await prepareOfflineModel();
      console.log('No JINA_API_KEY or JINA_CLIP_MODEL_PATH: running on the tiny offline model');
    }
    console.log(`Store: ${settings.databaseDirectory} table "${settings.table}"`);
    const code = await supervise(environment, workers, maxRestarts, producerArguments);
    await stopEverything();
    process.exit(code);
  } catch (error) {
    await stopEverything();
    throw error;
  }
});

/** Runs the children until the producer exits; resolves the launcher's exit code. */
function supervise(
  environment: NodeJS.ProcessEnv,
  workers: number,
  maxRestarts: number,
  producerArguments: string[],
): Promise<number> {
  return new Promise((finish) => {
    const start = (each: Omit<Supervised, 'child'>, stdout: 'inherit' | 'ignore'): Supervised => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL(each.file, import.meta.url)), ...each.args],
        { env: environment, stdio: ['ignore', stdout, 'inherit'] },
      );
      const supervised = { ...each, child } as Supervised;
      child.once('exit', () => onExit(supervised));
      return supervised;
    };
    let failure: string | undefined;
    const onExit = (supervised: Supervised) => {
      const { child, name } = supervised;
      if (name === 'producer') {
        if (failure !== undefined) return finish(1);
        if (child.signalCode !== null) console.error(`The producer ${death(child)}.`);
        return finish(child.exitCode ?? 1);
      }
      if (stopping || failure !== undefined) return;
      if (supervised.restarts < maxRestarts) {
        supervised.restarts += 1;
        console.error(
          `The ${name} (pid ${child.pid}) ${death(child)}: restarting it (${supervised.restarts} of ${maxRestarts}).`,
        );
        const again = start(supervised, 'ignore');
        again.restarts = supervised.restarts;
        started[started.indexOf(supervised)] = again;
        return;
      }
      failure = `The ${name} (pid ${child.pid}) ${death(child)}${maxRestarts > 0 ? ` after ${maxRestarts} restarts` : ''}: stopping the run. Run the same command again to resume.`;
      console.error(failure);
      const producer = started.find((each) => each.name === 'producer')!;
      producer.child.kill('SIGTERM');
    };
    started.push(
      start({ name: 'store writer', file: './store-writer.ts', args: [], restarts: 0 }, 'ignore'),
    );
    for (let index = 1; index <= workers; index += 1) {
      started.push(
        start(
          { name: `embed worker ${index}`, file: './embed-worker.ts', args: [], restarts: 0 },
          'ignore',
        ),
      );
    }
    started.push(
      start(
        { name: 'producer', file: './producer.ts', args: producerArguments, restarts: 0 },
        'inherit',
      ),
    );
    for (const { name, child } of started) console.log(`Started the ${name} (pid ${child.pid})`);
  });
}
