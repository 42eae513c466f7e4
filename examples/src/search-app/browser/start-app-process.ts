import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const EXAMPLES = fileURLToPath(new URL('../../../', import.meta.url));

/** Options of {@link startAppProcess}. */
export interface AppProcessOptions {
  /** The folder to index. */
  folder: string;
  /** The LanceDB folder (`JINA_CLIP_LANCEDB`). */
  databaseDirectory: string;
  /** A local model folder (`JINA_CLIP_MODEL_PATH`), such as a tiny generated repo. */
  modelPath: string;
  /** More command-line arguments (`--chunk-size 2`). @default [] */
  args?: string[];
  /** More environment variables (`JINA_CLIP_MODEL`). @default {} */
  environment?: Record<string, string>;
}

/** The running app. */
export interface AppProcess {
  /** The URL it printed. */
  url: string;
  /** Everything it printed so far. */
  output(): string;
  /** Stops it (SIGTERM) and waits for it to exit. */
  close(): Promise<void>;
}

/**
 * Starts the search app as a user does (`src/search-app/main.ts` in a child process, on a free
 * loopback port) and resolves once it has printed its URL.
 */
export async function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  const { JINA_API_KEY: _key, ...inherited } = process.env;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/search-app/main.ts',
      options.folder,
      '--port',
      '0',
      ...(options.args ?? []),
    ],
    {
      cwd: EXAMPLES,
      env: {
        ...inherited,
        HF_HUB_OFFLINE: '1',
        JINA_CLIP_MODEL_PATH: options.modelPath,
        JINA_CLIP_LANCEDB: options.databaseDirectory,
        ...options.environment,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^Search app: (http:\/\/\S+)$/m.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(([code]) =>
      reject(new Error(`The search app exited (${code}) before printing its URL:\n${output}`)),
    );
  });
  return {
    url,
    output: () => output,
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
