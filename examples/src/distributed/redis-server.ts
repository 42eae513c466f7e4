import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

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
}

/** A redis-server process started by {@link startRedisServer}. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
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

async function spawnRedis(port: number, options: RedisServerOptions): Promise<ChildProcess> {
  const appendOnly = options.appendOnly ?? true;
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      options.directory,
      '--save',
      '',
      '--appendonly',
      appendOnly ? 'yes' : 'no',
      '--appendfsync',
      'always',
      '--daemonize',
      'no',
      // BullMQ needs its keys kept: never evicted under memory pressure.
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
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
    child.once('error', reject);
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
  await mkdir(options.directory, { recursive: true });
  const port = options.port ?? (await freePort());
  let child = await spawnRedis(port, options);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
    async restart() {
      child = await spawnRedis(port, options);
    },
  };
}
