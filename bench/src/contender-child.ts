/**
 * Entry of a contender's child process: receives one task over IPC, runs it, sends back the
 * result (or the error) and exits, so no session or thread pool outlives the measurement.
 */
import type { HostedTask } from './hosted/run-hosted-task.js';
import type { LocalTask } from './local/run-local-task.js';
import type { ChildReply } from './measurement/run-in-child.js';

async function run(task: LocalTask | HostedTask): Promise<unknown> {
  if (task.kind === 'local') return (await import('./local/run-local-task.js')).runLocalTask(task);
  return (await import('./hosted/run-hosted-task.js')).runHostedTask(task);
}

process.once('message', (task: LocalTask | HostedTask) => {
  run(task).then(
    (result) => {
      const reply: ChildReply<unknown> = { ok: true, result };
      process.send!(reply, () => process.exit(0));
    },
    (error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      const reply: ChildReply<unknown> = {
        ok: false,
        error: { name: failure.name, message: failure.message, stack: failure.stack },
      };
      process.send!(reply, () => process.exit(1));
    },
  );
});
