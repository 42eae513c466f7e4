import { fork } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The message a child sends back: its result, or why it failed. */
export type ChildReply<Result> =
  | { ok: true; result: Result }
  | { ok: false; error: { name: string; message: string; stack?: string } };

const CHILD_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../contender-child.ts');

/** Options of {@link runInChild}. */
export interface RunInChildOptions {
  /** Extra environment variables of the child. */
  env?: Record<string, string>;
  /** Kill the child after this long. @default 30 minutes */
  timeoutMs?: number;
}

/**
 * Runs one task in a fresh Node process (`contender-child.ts`, through tsx) and resolves with
 * its result: each contender gets its own heap, its own native threads and its own peak RSS, and
 * nothing it loads lingers into the next contender's measurement.
 */
export function runInChild<Result>(
  task: unknown,
  options: RunInChildOptions = {},
): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(CHILD_ENTRY, [], {
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let reply: ChildReply<Result> | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30 * 60_000);
    child.on('message', (message) => {
      reply = message as ChildReply<Result>;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (reply?.ok) resolvePromise(reply.result);
      else if (reply !== undefined) {
        const error = new Error(reply.error.message);
        error.name = reply.error.name;
        error.stack = reply.error.stack;
        reject(error);
      } else
        reject(
          new Error(
            `The contender process exited (code ${code}, signal ${signal}) without a result.`,
          ),
        );
    });
    child.send(task as object);
  });
}
