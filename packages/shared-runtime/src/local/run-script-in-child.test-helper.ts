import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The package folder: the child runs there, so `tsx` and the package's dependencies resolve. */
const PACKAGE_DIRECTORY = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** The user id of `nobody`, whom a case that must not run as root runs as. */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

/**
 * @internal Whether `nobody` can reach the files under `folder` (tsx, the sources): every folder
 * from it up to `/` lets others traverse it. A checkout in a `0700` home folder does not, and a
 * child run as `nobody` there cannot even start.
 */
export function traversableByNobody(folder: string = PACKAGE_DIRECTORY): boolean {
  for (let current = folder; ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) return false;
    if (dirname(current) === current) return true;
  }
}

/** What a child run ended with. */
export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed by the time cap. */
  timedOut: boolean;
  /** Wall time of the run, ms. */
  elapsedMs: number;
}

/** How to run a child. */
export interface ChildRunOptions {
  /** Folder the script file is written to. */
  directory: string;
  /** The child's whole environment. @default this process's */
  env?: NodeJS.ProcessEnv;
  /** V8 heap cap (`--max-old-space-size`), MB. */
  maxOldSpaceMb?: number;
  /** Killed (SIGKILL) after this long, ms. */
  timeoutMs: number;
  /** More Node.js flags, such as `--jitless`. @default [] */
  nodeOptions?: readonly string[];
  /** Run as this user and group id (needs root). @default this process's */
  user?: { uid: number; gid: number };
}

/**
 * @internal Test helper: runs TypeScript `source` in a separate Node process (through tsx), so a
 * hostile case that regresses fails its test (heap cap, time cap) instead of killing vitest.
 * `source` may use `importSource('local/text-tokenizer.ts')` to import a module of `src/`.
 */
export async function runScriptInChild(
  source: string,
  options: ChildRunOptions,
): Promise<ChildRun> {
  const sourceUrl = pathToFileURL(join(PACKAGE_DIRECTORY, 'src')).href;
  const script = join(options.directory, `child-${process.pid}-${Date.now()}.mts`);
  await writeFile(
    script,
    `const importSource = (path: string) => import(${JSON.stringify(`${sourceUrl}/`)} + path);\n${source}\n`,
  );
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...(options.maxOldSpaceMb === undefined
        ? []
        : [`--max-old-space-size=${options.maxOldSpaceMb}`]),
      ...(options.nodeOptions ?? []),
      '--import',
      'tsx',
      script,
    ],
    {
      cwd: PACKAGE_DIRECTORY,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options.user,
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  clearTimeout(timer);
  return { code, signal, stdout, stderr, timedOut, elapsedMs: performance.now() - started };
}
