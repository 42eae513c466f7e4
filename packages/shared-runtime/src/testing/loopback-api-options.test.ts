import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiBackend } from '../api/create-api-backend.js';
import { type JinaApiServer, startJinaApiServer } from './jina-api-server.js';
import { expectedServerEmbedding } from './jina-api-server-embedding.js';
import { loopbackApiOptions } from './loopback-api-options.js';

let server: JinaApiServer;
beforeAll(async () => {
  server = await startJinaApiServer();
});
afterAll(() => server.close());

describe('loopbackApiOptions', () => {
  it("is the server's URL and key, a backoff of milliseconds, and loopback downloads", () => {
    expect(loopbackApiOptions(server)).toEqual({
      baseURL: server.url,
      apiKey: server.apiKey,
      backoff: { initialDelayMs: 1, maxDelayMs: 5 },
      allowPrivateNetwork: true,
    });
  });

  it('reaches the server, retrying its failures', async () => {
    const backend = createApiBackend(loopbackApiOptions(server));
    server.fail({ status: 503 }, { status: 503 });
    const { embeddings } = await backend.embed(['a red bus']);
    await backend.close();

    expect(embeddings).toEqual([expectedServerEmbedding('a red bus', 'jina-clip-v1')]);
    expect(server.requests).toHaveLength(3);
  });
});
