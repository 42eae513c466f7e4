// The AI SDK provider's quick start, run in a fresh ESM project that installed the packed
// packages with `ai` 7: `node ai-sdk-quick-start.mjs`. Against the loopback Jina API server of
// `jina-clip-runtime/testing`: embed and embedMany with texts and images (per value in
// providerOptions.jinaClip.content), vectors equal to the server's (texts) and to the runtime's
// own api backend (images); then the local backend on a tiny model repo, vectors equal to the
// runtime's local backend; on both, `cosineSimilarity` from `ai` ranks an image queried with
// itself first. Prints the mixed call's usage and one line.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cosineSimilarity, embed, embedMany } from 'ai';
import { createJinaClip, jinaClip, jinaClipInputs } from 'jina-clip-ai-provider';
import { createBackend } from 'jina-clip-runtime';
import { createLocalBackend } from 'jina-clip-runtime/local';
import {
  expectedServerEmbedding,
  loopbackApiOptions,
  startJinaApiServer,
  writeTestImages,
  writeTinyModelRepo,
} from 'jina-clip-runtime/testing';

globalThis.AI_SDK_LOG_WARNINGS = false;
const plain = (vectors) => vectors.map((vector) => Array.from(vector));

/** The first value of `candidates` by cosine similarity to `query`. */
function best(query, candidates) {
  const scores = candidates.map((vector) => cosineSimilarity(query, vector));
  return scores.indexOf(Math.max(...scores));
}

/** embedMany of texts and images mixed, and an image queried with itself, on one provider. */
async function mixedCall(provider, modelId, reference, images) {
  const values = ['a red square', 'red.png', 'a green field', 'green.png', 'blue.png'];
  const content = [null, { image: images[0].path }, null, { image: images[1].path }];
  content.push({ image: images[2].path });
  const model = provider.embeddingModel(modelId);
  const result = await embedMany({ model, values, providerOptions: { jinaClip: { content } } });
  const inputs = values.map((value, index) => content[index] ?? value);
  const expected = await reference.embed(inputs);
  assert.deepEqual(result.embeddings, plain(expected.embeddings));
  assert.equal(result.usage.tokens, expected.usage.totalTokens);
  // The green image, queried with itself (bytes this time), comes first.
  const { embedding } = await embed({
    model,
    value: 'green',
    providerOptions: jinaClipInputs([{ image: images[1].bytes }]).providerOptions,
  });
  assert.equal(best(embedding, result.embeddings), 3);
  return result;
}

const directory = mkdtempSync(join(tmpdir(), 'ai-sdk-matrix-'));
const server = await startJinaApiServer();
try {
  const images = await writeTestImages(
    { red: [220, 30, 30], green: [30, 200, 60], blue: [20, 40, 220] },
    { directory },
  );
  // The api backend: the key from JINA_API_KEY, read at the first request, as `jinaClip` does.
  process.env.JINA_API_KEY = server.apiKey;
  const { apiKey: _key, ...apiOptions } = loopbackApiOptions(server);
  assert.equal(jinaClip.embeddingModel('jina-clip-v2').specificationVersion, 'v4');
  const api = createJinaClip(apiOptions);
  const { embedding } = await embed({ model: api('jina-clip-v2'), value: 'a red bus' });
  assert.deepEqual(embedding, Array.from(expectedServerEmbedding('a red bus', 'jina-clip-v2')));
  const runtime = createBackend({ ...apiOptions, model: 'jina-clip-v2' });
  const mixed = await mixedCall(api, 'jina-clip-v2', runtime, images);
  console.log(
    `api, embedMany of 2 texts and 3 images: usage ${JSON.stringify(mixed.usage)}, ${mixed.embeddings.length} vectors of ${mixed.embeddings[0].length}`,
  );
  await runtime.close();
  await api.close();

  const repo = await writeTinyModelRepo(join(directory, 'repo'), { model: 'jina-clip-v2' });
  const local = createJinaClip({ backend: 'local', modelPath: repo.directory });
  const localRuntime = createLocalBackend({ model: 'jina-clip-v2', modelPath: repo.directory });
  const localMixed = await mixedCall(local, 'jina-clip-v2', localRuntime, images);
  await localRuntime.close();
  await local.close();
  console.log(
    `ok ai ${(await import('ai/package.json', { with: { type: 'json' } })).default.version}: api + local (${localMixed.embeddings[0].length}-wide tiny model) on Node ${process.versions.node}`,
  );
} finally {
  await server.close();
  rmSync(directory, { recursive: true, force: true });
}
