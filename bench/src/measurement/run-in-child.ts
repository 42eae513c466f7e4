import { type ChildProcess, fork } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The message a child sends back for each request: its result, or why it failed. */
export type ChildReply<Result> =
  | { ok: true; result: Result }
  | { ok: false; error: { name: string; message: string; stack?: string } };

const CHILD_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../contender-child.ts');

/** A contender's process, answering one request at a time over IPC. */
export interface ChildSession {
  /** Sends one request and resolves with the child's result (rejects with its error). */
  request<Result>(message: unknown): Promise<Result>;
  /** Ends the process (it exits by itself after a final request; this makes sure). */
  close(): Promise<void>;
}

/**
 * Starts a fresh Node process (`contender-child.ts`, through tsx): each contender gets its own
 * heap, native threads and peak RSS, and nothing it loads lingers into another's measurement.
 */
export function startChild(): ChildSession {
  const child: ChildProcess = fork(CHILD_ENTRY, [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let pending: { resolve: (value: unknown) => void; reject: (error: Error) => void } | undefined;
  let exited: Error | undefined;
  child.on('message', (message) => {
    const reply = message as ChildReply<unknown>;
    const waiting = pending;
    pending = undefined;
    if (waiting === undefined) return;
    if (reply.ok) waiting.resolve(reply.result);
    else {
      const error = new Error(reply.error.message);
      error.name = reply.error.name;
      error.stack = reply.error.stack;
      waiting.reject(error);
    }
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`The contender process exited (code ${code}, signal ${signal}).`);
    pending?.reject(exited);
    pending = undefined;
  });
  return {
    request<Result>(message: unknown) {
      if (exited !== undefined) return Promise.reject(exited);
      return new Promise<Result>((resolvePromise, reject) => {
        pending = { resolve: resolvePromise as (value: unknown) => void, reject };
        child.send(message as object);
      });
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = new Promise<void>((resolvePromise) =>
        child.once('exit', () => resolvePromise()),
      );
      child.kill('SIGKILL');
      await done;
    },
  };
}

/** Runs one request in a fresh process and ends it. */
export async function runInChild<Result>(message: unknown): Promise<Result> {
  const session = startChild();
  try {
    return await session.request<Result>(message);
  } finally {
    await session.close();
  }
}
