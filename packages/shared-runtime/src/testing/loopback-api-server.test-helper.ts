import { afterAll, afterEach, beforeAll } from 'vitest';
import { type JinaApiServer, startJinaApiServer } from './jina-api-server.js';

/**
 * Starts one loopback Jina API server for the calling test file (bodies not recorded), resets it
 * after each test (requests, latency, concurrency limit) and stops it after the file. Returns a
 * getter, since the server exists only once `beforeAll` has run.
 */
export function useLoopbackApiServer(): () => JinaApiServer {
  let server: JinaApiServer | undefined;
  beforeAll(async () => {
    server = await startJinaApiServer({ recordBodies: false });
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(() => {
    server?.reset();
    server?.setLatency(0);
    server?.setConcurrencyLimit(undefined);
  });
  return () => server!;
}
