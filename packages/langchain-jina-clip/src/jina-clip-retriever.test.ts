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
