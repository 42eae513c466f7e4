// The quick start of one adapter, run in a fresh project that installed the packed packages:
// `node quick-start.cjs <langchain|llamaindex> [local]`. It loads every entry with require()
// (CommonJS) and then with import() (ESM), checks that the adapter is the framework's own class,
// embeds over the loopback Jina API server of `jina-clip-runtime/testing` and compares the
// vectors with the server's. With `local`, it also embeds a text and an image with the local
// backend on a tiny model repo (the project then has the optional peers). Prints one line.
'use strict';
const assert = require('node:assert/strict');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const [framework, local] = process.argv.slice(2);

async function quickStart(load, system) {
  const testing = await load('jina-clip-runtime/testing');
  const runtime = await load('jina-clip-runtime');
  const server = await testing.startJinaApiServer();
  const options = testing.loopbackApiOptions(server);
  const expected = Array.from(testing.expectedServerEmbedding('a red bus', 'jina-clip-v1'));
  try {
    if (framework === 'langchain') {
      const { Embeddings } = await load('@langchain/core/embeddings');
      const { JinaClipEmbeddings, AuthenticationError } = await load('langchain-jina-clip');
      const embeddings = new JinaClipEmbeddings(options);
      assert.ok(embeddings instanceof Embeddings, `${system}: not a LangChain Embeddings`);
      assert.deepEqual(await embeddings.embedDocuments(['a red bus']), [expected]);
      assert.deepEqual(await embeddings.embedQuery('a red bus'), expected);
      assert.equal(AuthenticationError, runtime.AuthenticationError);
      await embeddings.close();
    } else if (framework === 'llamaindex') {
      const { MultiModalEmbedding } = await load('@llamaindex/core/embeddings');
      const { JinaClipEmbedding } = await load('llamaindex-jina-clip');
      const embedding = new JinaClipEmbedding(options);
      assert.ok(embedding instanceof MultiModalEmbedding, `${system}: not a MultiModalEmbedding`);
      assert.deepEqual(await embedding.getTextEmbeddings(['a red bus']), [expected]);
      assert.deepEqual(await embedding.getTextEmbedding('a red bus'), expected);
      await embedding.close();
    } else {
      throw new Error(`Unknown framework ${framework}`);
    }
  } finally {
    await server.close();
  }
  if (local !== 'local') return;
  const { createLocalBackend } = await load('jina-clip-runtime/local');
  const directory = mkdtempSync(join(tmpdir(), 'peer-matrix-'));
  try {
    const repo = await testing.writeTinyModelRepo(join(directory, 'repo'), {
      model: 'jina-clip-v1',
    });
    const [red] = await testing.writeTestImages({ red: [220, 30, 30] }, { directory });
    const backend = createLocalBackend({ modelPath: repo.directory });
    const { embeddings } = await backend.embed(['a red bus', { image: red.path }]);
    await backend.close();
    assert.deepEqual(
      embeddings.map((vector) => vector.length),
      [repo.width, repo.width],
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

(async () => {
  await quickStart(async (name) => require(name), 'require');
  await quickStart((name) => import(name), 'import');
  console.log(
    `ok ${framework}${local === 'local' ? ' + local' : ''} on Node ${process.versions.node}`,
  );
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
