import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiBackend } from '../api/create-api-backend.js';
import { cosineSimilarity } from './cosine-similarity.js';
import { createRecordingBackend } from './create-recording-backend.js';
import { type JinaApiServer, startJinaApiServer } from './jina-api-server.js';
import { expectedServerEmbedding } from './jina-api-server-embedding.js';
import { loopbackApiOptions } from './loopback-api-options.js';
import { rankBySimilarity } from './rank-by-similarity.js';

/** A backend answering fixed vectors per text (the query's under the query task), recording its calls. */
const tableBackend = (documents: Record<string, number[]>, queries: Record<string, number[]>) =>
  createRecordingBackend({
    vector: (input, _index, options) =>
      (options?.task === 'retrieval.query' ? queries : documents)[input as string]!,
  });

describe('rankBySimilarity', () => {
  it('embeds the query as a query and the candidates as documents, and ranks by cosine, best first', async () => {
    const backend = tableBackend(
      { east: [1, 0], north: [0, 1], west: [-1, 0], 'north-east': [1, 1] },
      // As a document "q" would point north: the ranking must use its query vector.
      { q: [1, 0] },
    );
    const signal = new AbortController().signal;

    const ranking = await rankBySimilarity(
      backend,
      'q',
      ['north', 'west', 'north-east', 'east'].map((text) => ({ key: `key-${text}`, input: text })),
      { dimensions: 2, signal },
    );

    expect(ranking).toEqual([
      { key: 'key-east', similarity: 1 },
      { key: 'key-north-east', similarity: 1 / Math.sqrt(2) },
      { key: 'key-north', similarity: 0 },
      { key: 'key-west', similarity: -1 },
    ]);
    expect(backend.calls).toEqual([
      { inputs: ['q'], options: { dimensions: 2, signal, task: 'retrieval.query' } },
      { inputs: ['north', 'west', 'north-east', 'east'], options: { dimensions: 2, signal } },
    ]);
  });

  it('keeps the given order among equal scores, and keys of any type', async () => {
    const backend = tableBackend({ a: [0, 1], b: [1, 0], c: [0, 2] }, { q: [0, 1] });
    const ranking = await rankBySimilarity(backend, 'q', [
      { key: 3, input: 'b' },
      { key: 1, input: 'c' },
      { key: 2, input: 'a' },
    ]);
    expect(ranking).toEqual([
      { key: 1, similarity: 1 },
      { key: 2, similarity: 1 },
      { key: 3, similarity: 0 },
    ]);
  });

  it('ranks nothing, without embedding, when there are no candidates', async () => {
    const backend = tableBackend({}, {});
    expect(await rankBySimilarity(backend, 'q', [])).toEqual([]);
    expect(backend.calls).toEqual([]);
  });

  describe('on the api backend', () => {
    let server: JinaApiServer;
    beforeAll(async () => {
      server = await startJinaApiServer();
    });
    afterAll(() => server.close());

    it('scores each candidate by the cosine of the vectors the server answers', async () => {
      const backend = createApiBackend({ ...loopbackApiOptions(server), model: 'jina-clip-v2' });
      const texts = ['a red bus', 'a green field', 'a bowl of oranges'];
      const ranking = await rankBySimilarity(
        backend,
        'a bus',
        texts.map((text) => ({ key: text, input: text })),
      );
      await backend.close();

      const query = expectedServerEmbedding('a bus', 'jina-clip-v2', undefined, {
        task: 'retrieval.query',
      });
      const expected = texts
        .map((text) => ({
          key: text,
          similarity: cosineSimilarity(query, expectedServerEmbedding(text, 'jina-clip-v2')),
        }))
        .sort((a, b) => b.similarity - a.similarity);
      expect(ranking).toEqual(expected);
      expect(server.requests.map((request) => (request.body as { task?: string }).task)).toEqual([
        'retrieval.query',
        undefined,
      ]);
    });
  });
});
