/**
 * Entry of a contender's child process. It answers requests over IPC one at a time: a hosted
 * task (one phase, then done), or a local session (`local-start`, then `local-call` per call, then
 * `local-finish`), and replies with the result or the error.
 */
import type { HostedTask } from './hosted/run-hosted-task.js';
import type { LocalRequest } from './local/local-contender-session.js';
import type { ChildReply } from './measurement/run-in-child.js';

async function handle(request: LocalRequest | HostedTask): Promise<unknown> {
  if (request.kind === 'hosted') {
    return (await import('./hosted/run-hosted-task.js')).runHostedTask(request);
  }
  return (await import('./local/local-contender-session.js')).handleLocalRequest(request);
}

process.on('message', (request: LocalRequest | HostedTask) => {
  handle(request).then(
    (result) => {
      const reply: ChildReply<unknown> = { ok: true, result };
      process.send!(reply);
    },
    (error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      const reply: ChildReply<unknown> = {
        ok: false,
        error: { name: failure.name, message: failure.message, stack: failure.stack },
      };
      process.send!(reply);
    },
  );
});
