/**
 * The distributed tests' child processes: one of examples/src/distributed/*.ts run with tsx, its
 * stdout and stderr as lines, waiting for a line, stopping it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const examplesDirectory = fileURLToPath(new URL('../..', import.meta.url));

/** A child process of the pipeline, with its output lines. */
export interface RunningProcess {
  readonly child: ChildProcess;
  readonly output: string[];
  /** Resolves with the first line (seen or to come) matching `pattern`. */
  line(pattern: RegExp): Promise<string>;
  readonly exited: Promise<number | null>;
}

export function startProcess(
  file: string,
  args: string[],
  environment: NodeJS.ProcessEnv,
): RunningProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', `src/distributed/${file}`, ...args], {
    cwd: examplesDirectory,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let partial = '';
  const onData = (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      output.push(line);
      for (const waiter of waiters.filter((each) => each.pattern.test(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    output,
    exited,
    line: (pattern) =>
      new Promise((resolve) => {
        const seen = output.find((line) => pattern.test(line));
        if (seen !== undefined) resolve(seen);
        else waiters.push({ pattern, resolve });
      }),
  };
}

export async function stopProcess(running: RunningProcess): Promise<void> {
  if (running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill('SIGTERM');
  }
  await running.exited;
}

/** Runs `file` to its exit: its exit code and output. */
export async function runToExit(
  file: string,
  args: string[],
  environment: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string; signal: NodeJS.Signals | null }> {
  const running = startProcess(file, args, environment);
  const code = await running.exited;
  return { code, output: running.output.join('\n'), signal: running.child.signalCode };
}
