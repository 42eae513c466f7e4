import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { Document } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import { RunCollectorCallbackHandler } from '@langchain/core/tracers/run_collector';
import { FakeEmbeddings } from '@langchain/core/utils/testing';
import { InvalidInputError } from 'jina-clip-runtime';
import {
  expectedServerEmbedding,
  type JinaApiServer,
  loopbackApiOptions,
  startJinaApiServer,
} from 'jina-clip-runtime/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { JinaClipEmbeddings } from './jina-clip-embeddings.js';
import { type JinaClipQuery, JinaClipRetriever } from './jina-clip-retriever.js';

let server: JinaApiServer;

beforeAll(async () => {
  server = await startJinaApiServer();
});
afterEach(() => server.reset());
afterAll(() => server.close());

function memoryStore(): MemoryVectorStore {
  const embeddings = new JinaClipEmbeddings({
    ...loopbackApiOptions(server),
    model: 'jina-clip-v2',
  });
  onTestFinished(() => embeddings.close());
  return new MemoryVectorStore(embeddings);
}

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).field;
  }
  throw new Error('expected an InvalidInputError');
}

describe('JinaClipRetriever', () => {
  it('is a LangChain retriever that embeds text and image queries with the query task', async () => {
    const store = memoryStore();
    // Stored vectors that are exactly the expected query vectors: each query finds its own.
    const queries: [JinaClipQuery, string][] = [
      ['a red bus', 'text'],
      [{ text: 'grass' }, 'text object'],
      [{ image: 'https://example.com/bus.jpg' }, 'image'],
    ];
    const wireInputs = ['a red bus', 'grass', { image: 'https://example.com/bus.jpg' }];
    await store.addVectors(
      wireInputs.map((input) =>
        Array.from(
          expectedServerEmbedding(input, 'jina-clip-v2', undefined, { task: 'retrieval.query' }),
        ),
      ),
      queries.map(([, name]) => new Document({ pageContent: name })),
    );
    const retriever = new JinaClipRetriever({ vectorStore: store, k: 1 });
    expect(retriever).toBeInstanceOf(BaseRetriever);
    for (const [query, name] of queries) {
      const [found] = await retriever.invoke(query);
      expect(found?.pageContent).toBe(name);
    }
    // One request per query, each with the query task; the image URL went as a URL.
    expect(server.requests.map((request) => request.body)).toMatchObject([
      { task: 'retrieval.query', input: [{ text: 'a red bus' }] },
      { task: 'retrieval.query', input: [{ text: 'grass' }] },
      { task: 'retrieval.query', input: [{ image: 'https://example.com/bus.jpg' }] },
    ]);
  });

  it("hands LangChain's callbacks the query as given, an image query too", async () => {
    const store = memoryStore();
    await store.addDocuments([new Document({ pageContent: 'a red bus' })]);
    const collector = new RunCollectorCallbackHandler();
    const retriever = new JinaClipRetriever({ vectorStore: store, k: 1 });
    const query = { image: 'https://example.com/bus.jpg' };
    const [found] = await retriever.invoke(query, { callbacks: [collector] });
    expect(found?.pageContent).toBe('a red bus');
    expect(collector.tracedRuns.map((run) => [run.run_type, run.name, run.inputs])).toEqual([
      ['retriever', 'JinaClipRetriever', { query }],
    ]);
  });

  /** A store holding two copies of the query's own vector and one other vector. */
  async function storeAroundQuery(
    query: JinaClipQuery,
    wire: Parameters<typeof expectedServerEmbedding>[0],
  ) {
    const store = memoryStore();
    const queryVector = Array.from(
      expectedServerEmbedding(wire, 'jina-clip-v2', undefined, { task: 'retrieval.query' }),
    );
    const other = Array.from(expectedServerEmbedding('a field of grass', 'jina-clip-v2'));
    await store.addVectors(
      [queryVector, queryVector, other],
      ['A', 'A2', 'B'].map((pageContent) => new Document({ pageContent })),
    );
    const cosine = queryVector.reduce((sum, value, index) => sum + value * other[index]!, 0);
    return { store, query, cosine };
  }

  it('returns scores with invokeWithScores, nearest first, and leaves out those under scoreThreshold', async () => {
    const { store, query, cosine } = await storeAroundQuery('a red bus', 'a red bus');
    const scored = await new JinaClipRetriever({ vectorStore: store, k: 3 }).invokeWithScores(
      query,
    );
    expect(scored.map(([document]) => document.pageContent)).toEqual(['A', 'A2', 'B']);
    expect(scored[0]?.[1]).toBeCloseTo(1, 5);
    expect(scored[1]?.[1]).toBeCloseTo(1, 5);
    expect(scored[2]?.[1]).toBeCloseTo(cosine, 5);

    const threshold = new JinaClipRetriever({ vectorStore: store, k: 3, scoreThreshold: 0.99 });
    expect((await threshold.invoke(query)).map((document) => document.pageContent)).toEqual([
      'A',
      'A2',
    ]);
    expect(
      (await threshold.invokeWithScores(query)).map(([document]) => document.pageContent),
    ).toEqual(['A', 'A2']);
  });

  it("searchType 'mmr' picks diverse documents, for an image query too, with the query embedded once", async () => {
    const image = { image: 'https://example.com/bus.jpg' };
    const { store, query } = await storeAroundQuery(image, image);
    const similar = await new JinaClipRetriever({ vectorStore: store, k: 2 }).invoke(query);
    expect(similar.map((document) => document.pageContent)).toEqual(['A', 'A2']);
    server.reset();

    const mmr = new JinaClipRetriever({
      vectorStore: store,
      k: 2,
      searchType: 'mmr',
      searchKwargs: { fetchK: 3, lambda: 0 },
    });
    const diverse = await mmr.invoke(query);
    // The duplicate of the first pick adds nothing new: MMR takes the other document instead.
    expect(diverse.map((document) => document.pageContent)).toEqual(['A', 'B']);
    // One request, the image query with the query task; the store's own embedQuery call was
    // answered with that vector, and nothing else reached the server.
    expect(server.requests.map((request) => request.body)).toMatchObject([
      { task: 'retrieval.query', input: [image] },
    ]);
  });

  it('rejects MMR on a store without it, scores with MMR, and bad searchKwargs or thresholds, naming the field', () => {
    const store = memoryStore();
    const noMmr = Object.assign(Object.create(store) as MemoryVectorStore, {
      maxMarginalRelevanceSearch: undefined,
    });
    expect(fieldOf(() => new JinaClipRetriever({ vectorStore: noMmr, searchType: 'mmr' }))).toBe(
      'searchType',
    );
    expect(
      fieldOf(
        () => new JinaClipRetriever({ vectorStore: store, searchType: 'mmr', scoreThreshold: 0.5 }),
      ),
    ).toBe('scoreThreshold');
    expect(
      fieldOf(() => new JinaClipRetriever({ vectorStore: store, searchType: 'nearest' as 'mmr' })),
    ).toBe('searchType');
    expect(
      fieldOf(
        () => new JinaClipRetriever({ vectorStore: store, k: 4, searchKwargs: { fetchK: 2 } }),
      ),
    ).toBe('searchKwargs.fetchK');
    expect(
      fieldOf(() => new JinaClipRetriever({ vectorStore: store, searchKwargs: { lambda: 2 } })),
    ).toBe('searchKwargs.lambda');
    expect(
      fieldOf(() => new JinaClipRetriever({ vectorStore: store, scoreThreshold: Number.NaN })),
    ).toBe('scoreThreshold');
    expect(server.requests).toEqual([]);
  });

  it('rejects a bad store, k or query, naming it, before any request', async () => {
    const store = memoryStore();
    expect(fieldOf(() => new JinaClipRetriever({ vectorStore: store, k: 0 }))).toBe('k');
    expect(fieldOf(() => new JinaClipRetriever({ vectorStore: store, k: 1.5 }))).toBe('k');
    const plain = new MemoryVectorStore(new FakeEmbeddings());
    expect(fieldOf(() => new JinaClipRetriever({ vectorStore: plain }))).toBe('vectorStore');
    const retriever = new JinaClipRetriever({ vectorStore: store });
    const error = await retriever.invoke(42 as unknown as string).catch((thrown) => thrown);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.field).toBe('query');
    expect(server.requests).toEqual([]);
  });
});
