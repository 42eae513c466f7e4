import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScriptInChild } from '../local/run-script-in-child.test-helper.js';
import { startJinaApiServer } from './jina-api-server.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'jina-api-server-body-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** POSTs `chunks` chunks of `chunkBytes` (chunked when `declare` is false), resolving with the status. */
function postStream(
  url: string,
  options: { authorization?: string; chunkBytes: number; chunks: number; declare: boolean },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(`${url}/embeddings`);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    if (options.declare) headers['content-length'] = String(options.chunkBytes * options.chunks);
    const outgoing = request(target, { method: 'POST', headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        body += text;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    const chunk = Buffer.alloc(options.chunkBytes, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < options.chunks && !outgoing.destroyed) {
        sent++;
        if (!outgoing.write(chunk)) {
          outgoing.once('drain', pump);
          return;
        }
      }
      if (!outgoing.destroyed) outgoing.end();
    };
    pump();
  });
}

describe('the loopback Jina API server: request bodies', () => {
  it('answers 413 REQUEST_TOO_LARGE past maxRequestBodyBytes, declared or counted', async () => {
    const server = await startJinaApiServer({ maxRequestBodyBytes: 1024 * 1024 });
    try {
      for (const declare of [true, false]) {
        const answer = await postStream(server.url, {
          authorization: `Bearer ${server.apiKey}`,
          chunkBytes: 256 * 1024,
          chunks: 8,
          declare,
        }).catch((error: unknown) => ({ status: -1, body: String(error) }));
        expect(answer.status, answer.body).toBe(413);
        expect(JSON.parse(answer.body).code).toBe('REQUEST_TOO_LARGE');
      }
      expect(server.requests.map((record) => [record.status, record.bodyBytes])).toEqual([
        [413, 0],
        [413, 0],
      ]);
    } finally {
      await server.close();
    }
  });

  it('answers 401 to a 300 MB unauthenticated body without buffering it (child process)', async () => {
    const run = await runScriptInChild(
      `const { startJinaApiServer } = await importSource('testing/jina-api-server.ts');
const { request } = await import('node:http');
const server = await startJinaApiServer();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
const total = 300 * 1024 * 1024;
const status = await new Promise((resolve) => {
  const outgoing = request(server.url + '/embeddings', { method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(total) } },
    (response) => { response.resume(); response.on('end', () => resolve(response.statusCode)); });
  outgoing.on('error', () => {});
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  let sent = 0;
  const pump = () => {
    while (sent < 300 && !outgoing.destroyed) {
      sent++;
      if (!outgoing.write(chunk)) { outgoing.once('drain', pump); return; }
    }
    if (!outgoing.destroyed) outgoing.end();
  };
  pump();
});
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const record = server.requests[0];
await server.close();
console.log(JSON.stringify({ status, growthMb: (peak - baseline) / 2 ** 20, bodyBytes: record.bodyBytes }));`,
      { directory, timeoutMs: 60_000, maxOldSpaceMb: 256 },
    );
    expect(run.timedOut).toBe(false);
    expect(run.code, run.stderr).toBe(0);
    const outcome = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(outcome.status).toBe(401);
    expect(outcome.bodyBytes).toBe(0);
    // Buffered, the body alone grew the server's RSS by about 900 MiB.
    expect(outcome.growthMb).toBeLessThan(150);
  }, 70_000);
});
