import { describe, expect, it } from 'vitest';
import { BackendClosedError } from '../errors/backend-closed-error.js';
import { loopbackApiOptions } from '../testing/loopback-api-options.js';
import { useLoopbackApiServer } from '../testing/loopback-api-server.test-helper.js';
import { createApiBackend } from './create-api-backend.js';

const server = useLoopbackApiServer();

/** Settles `promise` into what it rejected with, and how long after `since` it did. */
async function settle(promise: Promise<unknown>, since: number) {
  try {
    await promise;
    return { error: undefined as unknown, ms: Date.now() - since };
  } catch (error) {
    return { error, ms: Date.now() - since };
  }
}

/** Waits until `condition` holds (polling every 5 ms, at most 5 s). */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5000) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('createApiBackend: close() settles every pending call', () => {
  it('rejects calls in flight, queued for a slot and sleeping before a retry with BackendClosedError, promptly', async () => {
    server().setLatency(10_000);
    const backend = createApiBackend({
      ...loopbackApiOptions(server()),
      maxConcurrency: 1,
      backoff: { initialDelayMs: 10_000, maxDelayMs: 10_000 },
    });
    const inFlight = backend.embed(['in flight']);
    const queued = backend.embed(['queued behind the limiter']);
    await until(() => server().inFlight === 1);

    const retrying = createApiBackend({
      ...loopbackApiOptions(server()),
      backoff: { initialDelayMs: 10_000, maxDelayMs: 10_000 },
    });
    server().fail({ status: 503 });
    const sleeping = retrying.embed(['sleeping before its retry']);
    await until(() => server().requests.some((request) => request.status === 503));

    const started = Date.now();
    const closing = Promise.all([backend.close(), retrying.close()]);
    const results = await Promise.all([
      settle(inFlight, started),
      settle(queued, started),
      settle(sleeping, started),
      settle(closing, started),
    ]);
    for (const { error } of results.slice(0, 3)) {
      expect(error).toBeInstanceOf(BackendClosedError);
      expect(error).toMatchObject({ name: 'BackendClosedError' });
    }
    expect(results[3]!.error).toBeUndefined();
    // Generous: the server() would have held them for 10 s.
    for (const { ms } of results) expect(ms).toBeLessThan(2000);
  });

  it('rejects calls after close with BackendClosedError, sending nothing', async () => {
    const backend = createApiBackend(loopbackApiOptions(server()));
    await backend.embed(['x']);
    await backend.close();
    await backend.close();
    server().reset();
    await expect(backend.embed(['x'])).rejects.toBeInstanceOf(BackendClosedError);
    expect(server().requests).toHaveLength(0);
  });

  it('keeps a caller abort its own reason', async () => {
    server().setLatency(10_000);
    const backend = createApiBackend(loopbackApiOptions(server()));
    const controller = new AbortController();
    const call = backend.embed(['x'], { signal: controller.signal });
    await until(() => server().inFlight === 1);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    await backend.close();
  });
});
