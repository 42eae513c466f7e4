import { createApiBackend } from 'jina-clip-runtime';
import { type JinaApiServer, loopbackApiOptions } from 'jina-clip-runtime/testing';

/** What the rate-limit run measured. */
export interface RateLimitRunResult {
  readonly inputs: number;
  readonly clientConcurrency: number;
  readonly serverLimit: number;
  /** `completed`, or the error class that ended the call. */
  readonly outcome: string;
  readonly requests: number;
  readonly rateLimited: number;
  readonly peakInFlight: number;
  readonly wallMs: number;
}

/**
 * The case: a client allowed 8 requests at once against a server that answers 429 past
 * 2, on `count` texts. The call must finish with every vector.
 */
export async function runRateLimitRun(
  server: JinaApiServer,
  count: number,
): Promise<RateLimitRunResult> {
  server.reset();
  server.setLatency(20);
  server.setConcurrencyLimit(2, 100);
  const backend = createApiBackend({
    ...loopbackApiOptions(server),
    model: 'jina-clip-v1',
    maxConcurrency: 8,
    batchSize: 8,
  });
  const texts = Array.from({ length: count }, (_, index) => `rate limited text ${index}`);
  const started = performance.now();
  let outcome = 'completed';
  try {
    const { embeddings } = await backend.embed(texts);
    if (embeddings.length !== count) outcome = `incomplete (${embeddings.length})`;
  } catch (error) {
    outcome = error instanceof Error ? error.name : String(error);
  }
  const wallMs = performance.now() - started;
  await backend.close();
  const result: RateLimitRunResult = {
    inputs: count,
    clientConcurrency: 8,
    serverLimit: 2,
    outcome,
    requests: server.requests.length,
    rateLimited: server.requests.filter((request) => request.status === 429).length,
    peakInFlight: server.peakInFlight,
    wallMs,
  };
  server.setConcurrencyLimit(undefined);
  server.setLatency(0);
  server.reset();
  return result;
}
