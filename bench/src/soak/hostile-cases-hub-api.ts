/**
 * Hostile cases of the Hub client, the api client's rate limiting, the local backend's
 * tokenizing and the loopback Jina API server (issue 15). Each case starts the loopback servers it
 * needs inside its own capped process, so what the server holds counts in the row's peak RSS.
 */
import { lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiBackend, type EmbeddingBackend, RateLimitError } from 'jina-clip-runtime';
import { startHubServer, startJinaApiServer } from 'jina-clip-runtime/testing';
import type { HostileCase, HostileContext } from './hostile-cases.js';

const REPO = 'test-org/tiny-clip';

async function localBackend(options: Record<string, unknown>): Promise<EmbeddingBackend> {
  const { createLocalBackend } = await import('jina-clip-runtime/local');
  return createLocalBackend(options);
}

/** Runs `task` in a fresh temporary folder, removed afterwards. */
async function inTemporaryFolder<T>(task: (folder: string) => Promise<T>): Promise<T> {
  const folder = await mkdtemp(join(tmpdir(), 'soak-hub-'));
  try {
    return await task(folder);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Every path under `folder` with its size (symlinks not followed). */
async function snapshotTree(folder: string): Promise<Map<string, number>> {
  const entries = await readdir(folder, { recursive: true });
  const sizes = new Map<string, number>();
  for (const entry of entries) {
    const path = join(folder, String(entry));
    sizes.set(path, (await lstat(path)).size);
  }
  return sizes;
}

/** What `promise` rejected with, or undefined when it resolved. */
async function settle(promise: Promise<unknown>): Promise<{ error: unknown } | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return { error };
  }
}

/** Embeds one text with a local backend on `repo` of the loopback Hub; closes it. */
async function embedFromHub(options: Record<string, unknown>): Promise<void> {
  const backend = await localBackend({ repo: REPO, ...options });
  try {
    await backend.embed(['a cat']);
  } finally {
    await backend.close();
  }
}

/**
 * Embeds `texts` with a local backend, aborting after `abortAfterMs`; throws when the call took
 * longer than `maxSettleMs` to settle after the abort (resolves otherwise).
 */
async function abortedEmbedding(
  modelPath: string,
  model: string,
  texts: string[],
  abortAfterMs: number,
  maxSettleMs: number,
): Promise<void> {
  const backend = await localBackend({ modelPath, model });
  try {
    await backend.embed(['warm up']);
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('stopped by the caller')), abortAfterMs);
    const settled = await backend.embed(texts, { signal: controller.signal }).then(
      () => 'resolved',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    const afterAbortMs = performance.now() - started - abortAfterMs;
    if (settled !== 'stopped by the caller' || afterAbortMs > maxSettleMs) {
      throw new Error(
        `the aborted call ${settled === 'resolved' ? 'resolved' : `rejected with "${settled}"`} ${Math.round(afterAbortMs)} ms after the abort`,
      );
    }
  } finally {
    await backend.close();
  }
}

function words(count: number, length: number): string[] {
  const unit = 'the quick brown fox jumps over a lazy dog ';
  const repeats = Math.ceil(length / unit.length) + 1;
  return Array.from({ length: count }, (_, index) =>
    `${index} ${unit.repeat(repeats)}`.slice(0, length),
  );
}

/** The cases, in report order. */
export const HUB_AND_API_CASES: readonly HostileCase[] = [
  {
    name: 'Hub: 404 whose X-Repo-Commit is ../../../victim (victim files at every level)',
    category: 'hostile Hub',
    expected: 'rejected',
    run: () =>
      inTemporaryFolder(async (work) => {
        await mkdir(join(work, 'hub', REPO), { recursive: true });
        const cacheDir = join(work, 'a', 'b', 'c', 'cache');
        await mkdir(cacheDir, { recursive: true });
        for (const level of ['', 'a', 'a/b', 'a/b/c']) {
          await mkdir(join(work, level, 'victim'), { recursive: true });
          await writeFile(join(work, level, 'victim', 'config.json'), 'precious');
        }
        const before = await snapshotTree(work);
        const hub = await startHubServer({ root: join(work, 'hub') });
        hub.setMisbehaviour({ repoCommit: '../../../victim' });
        const failure = await settle(embedFromHub({ endpoint: hub.url, cacheDir }));
        await hub.close();
        const after = await snapshotTree(work);
        for (const [path, size] of after) {
          if (path.startsWith(cacheDir)) continue;
          if (before.get(path) !== size) throw new Error(`WROTE OUTSIDE THE CACHE: ${path}`);
        }
        if (failure !== undefined) throw failure.error;
      }),
  },
  {
    name: 'Hub cache offline: refs/main holding ".." (a config.json waiting outside snapshots/)',
    category: 'hostile Hub',
    expected: 'rejected',
    run: () =>
      inTemporaryFolder(async (work) => {
        const storage = join(work, 'models--test-org--tiny-clip');
        await mkdir(join(storage, 'refs'), { recursive: true });
        await writeFile(join(storage, 'refs', 'main'), '..');
        await writeFile(join(storage, 'config.json'), '{"model_type":"stolen"}');
        await embedFromHub({ cacheDir: work, offline: true });
      }),
  },
  {
    name: 'Hub: ETag that is no checksum, no size, 4 GiB endless body',
    category: 'hostile Hub',
    expected: 'rejected',
    run: (context) =>
      inTemporaryFolder(async (work) => {
        await mkdir(join(work, 'hub', REPO), { recursive: true });
        const hub = await startHubServer({ root: join(work, 'hub') });
        hub.setMisbehaviour({
          etag: 'not-a-checksum',
          repoCommit: 'c'.repeat(40),
          endlessBytes: Math.round(4 * 1024 ** 3 * context.scale),
        });
        const cacheDir = join(work, 'cache');
        const failure = await settle(embedFromHub({ endpoint: hub.url, cacheDir }));
        await hub.close();
        const sizes = [...(await snapshotTree(work)).values()];
        const written = sizes.reduce((sum, size) => sum + size, 0);
        if (written > 1024 * 1024)
          throw new Error(`WROTE ${written} BYTES of an unverifiable file`);
        if (failure !== undefined) throw failure.error;
      }),
  },
  {
    name: 'Hub that never answers (HF_HUB_ETAG_TIMEOUT=2)',
    category: 'hostile Hub',
    expected: 'rejected',
    run: () =>
      inTemporaryFolder(async (work) => {
        await mkdir(join(work, 'hub', REPO), { recursive: true });
        const hub = await startHubServer({ root: join(work, 'hub') });
        hub.setMisbehaviour({ silent: true });
        process.env.HF_HUB_ETAG_TIMEOUT = '2';
        try {
          await embedFromHub({ endpoint: hub.url, cacheDir: join(work, 'cache') });
        } finally {
          delete process.env.HF_HUB_ETAG_TIMEOUT;
          await hub.close();
        }
      }),
  },
  {
    name: 'Hub endpoint with user:password@ (not in the message)',
    category: 'hostile Hub',
    expected: 'rejected',
    run: () =>
      inTemporaryFolder(async (work) => {
        try {
          await embedFromHub({
            endpoint: 'http://hub-user:s3cret-pass@127.0.0.1:1',
            cacheDir: join(work, 'cache'),
          });
        } catch (error) {
          const { inspect } = await import('node:util');
          if (`${String(error)} ${inspect(error, { depth: 8 })}`.includes('s3cret-pass')) {
            throw new Error('PASSWORD LEAKED into the thrown error');
          }
          throw error;
        }
      }),
  },
  {
    name: 'API answering every request 429 with Retry-After: 0 (rateLimitTimeout 3 s)',
    category: 'rate limit',
    expected: 'rejected',
    run: async () => {
      const server = await startJinaApiServer({ recordBodies: false });
      server.setConcurrencyLimit(0, 0);
      const backend = createApiBackend({
        baseURL: server.url,
        apiKey: server.apiKey,
        rateLimitTimeout: 3_000,
      });
      try {
        await backend.embed(['hello']);
      } catch (error) {
        const requests = server.requests.length;
        // Honoured literally, 0 ms made 1,700 to 1,850 requests in 3 s.
        if (requests > 50) throw new Error(`HAMMERED the server: ${requests} requests in 3 s`);
        if (error instanceof RateLimitError) {
          throw new RateLimitError(`${requests} requests in 3 s, then: ${error.message}`, {
            status: 429,
          });
        }
        throw error;
      } finally {
        await backend.close();
        await server.close();
      }
    },
  },
  {
    name: 'texts: 2,000 x 2,000 characters, local jina-clip-v1 (longest stall)',
    category: 'text stall',
    expected: 'resolved',
    resolvedAs: 'embedded',
    run: async (context) => {
      const backend = await localBackend({ modelPath: context.tinyV1 });
      try {
        await backend.embed(words(Math.round(2_000 * context.scale), 2_000));
      } finally {
        await backend.close();
      }
    },
  },
  {
    name: 'texts: 20,000 x 440 characters, local jina-clip-v2, aborted after 200 ms (settles within 1 s)',
    category: 'text stall',
    expected: 'resolved',
    resolvedAs: 'aborted in time',
    run: (context) =>
      abortedEmbedding(
        context.tinyV2,
        'jina-clip-v2',
        words(Math.round(20_000 * context.scale), 440),
        200,
        1_000,
      ),
  },
  {
    name: 'texts: four of 150,000 characters without whitespace, local jina-clip-v2',
    category: 'text stall',
    expected: 'resolved',
    resolvedAs: 'embedded (truncated)',
    run: async (context) => {
      const backend = await localBackend({ modelPath: context.tinyV2, model: 'jina-clip-v2' });
      try {
        await backend.embed(
          Array.from(
            { length: 4 },
            (_, index) => `${index}${'我们的模型catdogbirdfish'.repeat(7_000)}`,
          ),
        );
      } finally {
        await backend.close();
      }
    },
  },
  {
    name: 'testing server: 300 MB body without a key',
    category: 'request body',
    expected: 'resolved',
    resolvedAs: 'answered 401 unread',
    run: async (context: HostileContext) => {
      const server = await startJinaApiServer({ recordBodies: false });
      const megabytes = Math.max(1, Math.round(300 * context.scale));
      try {
        const status = await new Promise<number>((resolve, reject) => {
          const outgoing = request(
            `${server.url}/embeddings`,
            {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'content-length': String(megabytes * 1024 * 1024),
              },
            },
            (response) => {
              response.resume();
              response.on('end', () => resolve(response.statusCode ?? 0));
            },
          );
          outgoing.on('error', reject);
          const chunk = Buffer.alloc(1024 * 1024, 0x20);
          let sent = 0;
          const pump = () => {
            while (sent < megabytes && !outgoing.destroyed) {
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
        const recorded = server.requests[0]?.bodyBytes;
        if (status !== 401 || recorded !== 0) {
          throw new Error(`answered ${status} after reading ${recorded} bytes`);
        }
      } finally {
        await server.close();
      }
    },
  },
];
