import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { type JinaApiServer, startJinaApiServer } from '../testing/jina-api-server.js';
import { loopbackApiOptions } from '../testing/loopback-api-options.js';
import { createApiBackend } from './create-api-backend.js';

let server: JinaApiServer;

beforeAll(async () => {
  server = await startJinaApiServer();
});
afterAll(async () => {
  await server.close();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/**
 * Runs a scenario in a child process with a memory cap (V8 heap 256 MB; a watchdog ends it with
 * exit code 3 when its RSS, which counts the off-heap Buffers a body is read into, passes 1 GB)
 * and a 60 s time cap: a client that reads without a cap fails this test instead of vitest.
 * (`ulimit -v` is no use here: V8 reserves far more address space for WebAssembly.)
 */
function runCappedChild(script: string): Promise<{ code: number | null; output: string }> {
  const watchdog = `setInterval(() => { if (process.memoryUsage().rss > 2 ** 30) { console.log('{"outcome":"over 1 GB RSS"}'); process.exit(3); } }, 20).unref();`;
  const command = `exec "${process.execPath}" --max-old-space-size=256 --import tsx --input-type=module -e "$SCRIPT"`;
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, SCRIPT: `${watchdog}\n${script}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('createApiBackend: maxResponseBytes', () => {
  it('abandons an endless body at the cap, once, with RESPONSE_TOO_LARGE (capped child process)', async () => {
    const here = (file: string) => new URL(file, import.meta.url).href;
    const script = `
      import { createApiBackend } from '${here('./create-api-backend.ts')}';
      import { startJinaApiServer } from '${here('../testing/jina-api-server.ts')}';
      const server = await startJinaApiServer();
      server.fail({ endlessBody: true }, { endlessBody: true }, { endlessBody: true });
      const backend = createApiBackend({
        baseURL: server.url, apiKey: server.apiKey, maxRetries: 2, timeout: 20000,
        maxResponseBytes: 4 * 1024 * 1024,
      });
      const started = Date.now();
      try {
        await backend.embed(['x']);
        console.log(JSON.stringify({ outcome: 'resolved' }));
      } catch (error) {
        console.log(JSON.stringify({
          outcome: 'rejected', name: error.name, code: error.code, status: error.status,
          retryable: error.retryable, requests: server.requests.length,
          rssMB: Math.round(process.memoryUsage().rss / 2 ** 20), ms: Date.now() - started,
        }));
      }
      await backend.close();
      await server.close();
    `;
    const { code, output } = await runCappedChild(script);
    expect(code, output).toBe(0);
    const result = JSON.parse(output.trim().split('\n').at(-1)!);
    expect(result).toMatchObject({
      outcome: 'rejected',
      name: 'ApiError',
      code: 'RESPONSE_TOO_LARGE',
      status: 200,
      retryable: false,
      requests: 1,
    });
    expect(result.rssMB).toBeLessThan(400);
  }, 90_000);

  it('refuses a declared content-length over the cap before reading, even on a retryable 500', async () => {
    server.fail({ status: 500, body: 'x'.repeat(5000) });
    const backend = createApiBackend({
      ...loopbackApiOptions(server),
      maxRetries: 2,
      maxResponseBytes: 1024,
    });
    const error = await rejection(backend.embed(['x']));
    await backend.close();
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 500,
      code: 'RESPONSE_TOO_LARGE',
      retryable: false,
      detail: 'larger than 1024 bytes',
    });
    expect((error as Error).message).toContain('content-length 5000');
    expect(server.requests).toHaveLength(1);
  });

  it('reads an answer under the cap', async () => {
    const backend = createApiBackend({ ...loopbackApiOptions(server), maxResponseBytes: 8192 });
    const { embeddings } = await backend.embed(['x']);
    await backend.close();
    expect(embeddings).toHaveLength(1);
  });
});
