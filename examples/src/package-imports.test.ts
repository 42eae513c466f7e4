/**
 * Loads every published entry from its built files as a user's project does: a separate node
 * process in this folder resolves `jina-clip-runtime`, `jina-clip-runtime/local`,
 * `jina-clip-runtime/testing`, `langchain-jina-clip` and `llamaindex-jina-clip` through
 * node_modules, once with `require` (CommonJS) and once with `import` (ESM).
 *
 * It runs on the packages' `dist`: turbo's `test` task depends on `^build`, and this workspace
 * depends on all three packages, so they are built before it runs. It does not build them.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const examplesDirectory = fileURLToPath(new URL('..', import.meta.url));

/**
 * The script both module systems run, given how it loads a module (`load(name)`). It prints one
 * JSON report; nothing in it reaches beyond the loopback interface.
 */
const script = (load: string) => `
const load = ${load};
(async () => {
  const { createRequire } = await load('node:module');
  const { mkdtempSync, rmSync } = await load('node:fs');
  const { tmpdir } = await load('node:os');
  const { join, sep } = await load('node:path');
  const required = createRequire(join(process.cwd(), 'package.json'));
  // The native optional peers loaded so far: CommonJS packages, so in require.cache either way.
  const nativePeers = () =>
    ['onnxruntime-node', 'sharp'].filter((name) =>
      Object.keys(required.cache).some((path) => path.includes(sep + join('node_modules', name) + sep)),
    );

  const runtime = await load('jina-clip-runtime');
  const langchain = await load('langchain-jina-clip');
  const llamaindex = await load('llamaindex-jina-clip');
  const { Embeddings } = await load('@langchain/core/embeddings');
  const { BaseEmbedding, MultiModalEmbedding } = await load('@llamaindex/core/embeddings');

  // A backend written in the script itself: the adapters work without any network.
  const backend = {
    model: { id: 'custom', dimensions: 2, matryoshkaDimensions: [], tasks: [] },
    async embed(inputs) {
      return {
        embeddings: inputs.map((_, index) => new Float32Array([index, 0.5])),
        usage: { totalTokens: 0 },
      };
    },
    async close() {},
  };
  const typedError = (create, AdapterError) => {
    try {
      create();
    } catch (error) {
      return {
        isAdapterClass: error instanceof AdapterError,
        isRuntimeClass: error instanceof runtime.InvalidInputError,
        isJinaClipError: runtime.JinaClipError.isInstance(error),
        field: error.field,
      };
    }
    return 'nothing thrown';
  };

  const embeddings = new langchain.JinaClipEmbeddings({ backend });
  const embedding = new llamaindex.JinaClipEmbedding({ backend });
  const report = {
    langchain: {
      isEmbeddings: embeddings instanceof Embeddings,
      vectors: await embeddings.embedDocuments(['a', 'b']),
      query: await embeddings.embedQuery('q'),
      error: typedError(
        () => new langchain.JinaClipEmbeddings({ backend: 'gpu' }),
        langchain.InvalidInputError,
      ),
    },
    llamaindex: {
      isMultiModalEmbedding: embedding instanceof MultiModalEmbedding,
      isBaseEmbedding: embedding instanceof BaseEmbedding,
      vectors: await embedding.getTextEmbeddings(['a', 'b']),
      error: typedError(
        () => new llamaindex.JinaClipEmbedding({ backend: 'gpu' }),
        llamaindex.InvalidInputError,
      ),
    },
    runtime: {
      error: typedError(
        () => runtime.createApiBackend({ model: 'jina-clip-v9' }),
        runtime.InvalidInputError,
      ),
    },
    // An api user, of the runtime or an adapter, never loads the local backend's native peers.
    nativePeersAfterRootEntries: nativePeers(),
  };

  const local = await load('jina-clip-runtime/local');
  const testing = await load('jina-clip-runtime/testing');
  report.nativePeersAfterEveryEntry = nativePeers();

  // The runtime and both adapters on the loopback Jina API server of the testing entry.
  const server = await testing.startJinaApiServer();
  const options = testing.loopbackApiOptions(server);
  const expected = Array.from(testing.expectedServerEmbedding('a red bus', 'jina-clip-v1'));
  const api = runtime.createApiBackend(options);
  const overApi = new langchain.JinaClipEmbeddings(options);
  const overLlamaIndex = new llamaindex.JinaClipEmbedding(options);
  report.overLoopback = {
    runtime: Array.from((await api.embed(['a red bus'])).embeddings[0]),
    langchain: await overApi.embedQuery('a red bus'),
    llamaindex: await overLlamaIndex.getTextEmbedding('a red bus'),
  };
  report.expectedOverLoopback = expected;
  await Promise.all([api.close(), overApi.close(), overLlamaIndex.close()]);
  await server.close();

  // The local entry on a tiny repo, with an image the testing entry writes: the optional peers
  // load lazily, from this module system too.
  const directory = mkdtempSync(join(tmpdir(), 'package-imports-'));
  try {
    const repo = await testing.writeTinyModelRepo(join(directory, 'repo'), { model: 'jina-clip-v1' });
    const [red] = await testing.writeTestImages({ red: [220, 30, 30] }, { directory });
    const localBackend = local.createLocalBackend({ modelPath: repo.directory });
    const { embeddings: vectors } = await localBackend.embed(['a red bus', { image: red.path }]);
    await localBackend.close();
    report.local = {
      widths: vectors.map((vector) => vector.length),
      repoWidth: repo.width,
      norms: vectors.map((vector) => Math.hypot(...vector)),
      cosine: testing.cosineSimilarity([3, 4], [4, 3]),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  // Proof that the check above sees the peers once they are loaded.
  report.nativePeersAfterLocalUse = nativePeers();

  console.log(JSON.stringify(report));
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/** Runs the script in a new node process in this folder, and parses its report. */
async function report(nodeArguments: string[], load: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [...nodeArguments, '-e', script(load)], {
    cwd: examplesDirectory,
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

const typedError = (field: string) => ({
  isAdapterClass: true,
  isRuntimeClass: true,
  isJinaClipError: true,
  field,
});

function expectWorkingPackages(result: Record<string, unknown>): void {
  expect(result).toMatchObject({
    langchain: {
      isEmbeddings: true,
      vectors: [
        [0, 0.5],
        [1, 0.5],
      ],
      query: [0, 0.5],
      error: typedError('backend'),
    },
    llamaindex: {
      isMultiModalEmbedding: true,
      isBaseEmbedding: true,
      vectors: [
        [0, 0.5],
        [1, 0.5],
      ],
      error: typedError('backend'),
    },
    runtime: { error: typedError('model') },
    nativePeersAfterRootEntries: [],
    nativePeersAfterEveryEntry: [],
    local: { widths: [16, 16], repoWidth: 16 },
    nativePeersAfterLocalUse: ['onnxruntime-node', 'sharp'],
  });
  const expected = result.expectedOverLoopback;
  expect(expected).toHaveLength(768);
  expect(result.overLoopback).toEqual({
    runtime: expected,
    langchain: expected,
    llamaindex: expected,
  });
  const { norms, cosine } = result.local as { norms: number[]; cosine: number };
  // Unit vectors (normalized: true), and the testing entry's own arithmetic.
  for (const norm of norms) expect(norm).toBeCloseTo(1, 5);
  expect(cosine).toBe(24 / 25);
}

describe('the published packages, built, as a user loads them', () => {
  it('load and work from CommonJS (require)', async () => {
    expectWorkingPackages(await report([], 'async (name) => require(name)'));
  });

  it('load and work from ESM (import)', async () => {
    expectWorkingPackages(await report(['--input-type=module'], '(name) => import(name)'));
  });
});
