import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { IngestSetupError } from './ingest-settings.js';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Folder of its append-only file. */
  directory: string;
  /** The loopback port. @default a free one */
  port?: number;
  /**
   * Persistence: the append-only file, written before each reply (`appendfsync always`), so a
   * killed server restarts with every acknowledged write. @default true
   */
  appendOnly?: boolean;
  /**
   * A password clients must give (`requirepass`), so another local user cannot enqueue jobs; it
   * goes in the URL and in a 0600 config file, never on the command line. @default a random one
   */
  password?: string | false;
}

/** redis-server is not installed: says how to install it or where to point `REDIS_URL` instead. */
export class RedisServerMissingError extends IngestSetupError {
  override readonly name: string = 'RedisServerMissingError';
  constructor(options?: ErrorOptions) {
    super(
      'redis-server is not installed: install it (Debian/Ubuntu: sudo apt-get install redis-server, or .ci/install-redis-server) or set REDIS_URL to a running Redis.',
      options,
    );
  }
}

/** A redis-server process started by {@link startRedisServer}. */
export interface RedisServer {
  /** `redis://:<password>@127.0.0.1:<port>` (no password part with `password: false`). */
  readonly url: string;
  readonly port: number;
  /** The server's process id. */
  readonly pid: number | undefined;
  /** Kills the server (SIGKILL by default: a crash) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and folder, from its append-only file. */
  restart(): Promise<void>;
}

const INSTALL_SCRIPT = fileURLToPath(new URL('../../../.ci/install-redis-server', import.meta.url));

/** Installs Debian's redis-server when the machine lacks it (the project's `.ci` script). */
export async function ensureRedisServerInstalled(): Promise<void> {
  await promisify(execFile)(INSTALL_SCRIPT, { timeout: 600_000 });
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function spawnRedis(
  port: number,
  options: RedisServerOptions,
  password: string | undefined,
): Promise<ChildProcess> {
  const appendOnly = options.appendOnly ?? true;
  // The settings in a 0600 file, so the password is not in `ps` output; files the server makes
  // (its append-only files) are 0600 too, through the umask it inherits.
  const config = join(options.directory, 'redis.conf');
  await writeFile(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir "${options.directory}"`,
      'save ""',
      `appendonly ${appendOnly ? 'yes' : 'no'}`,
      'appendfsync always',
      'daemonize no',
      // BullMQ needs its keys kept: never evicted under memory pressure.
      'maxmemory-policy noeviction',
      ...(password === undefined ? [] : [`requirepass ${password}`]),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  await chmod(config, 0o600);
  const umask = process.umask(0o077);
  let child: ChildProcess;
  try {
    child = spawn('redis-server', [config], { stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    process.umask(umask);
  }
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new RedisServerMissingError({ cause: error }) : error),
    );
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)),
    );
  });
  return child;
}

/**
 * Starts Debian's redis-server on a loopback port with its files in `directory`, for the tests,
 * the bench and `npm run ingest:distributed` when `REDIS_URL` is unset: never a system service.
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  await mkdir(options.directory, { recursive: true, mode: 0o700 });
  await chmod(options.directory, 0o700);
  const port = options.port ?? (await freePort());
  const password =
    options.password === false ? undefined : (options.password ?? randomBytes(24).toString('hex'));
  let child = await spawnRedis(port, options, password);
  return {
    url: `redis://${password === undefined ? '' : `:${password}@`}127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid;
    },
    async stop(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
    async restart() {
      child = await spawnRedis(port, options, password);
    },
  };
}
