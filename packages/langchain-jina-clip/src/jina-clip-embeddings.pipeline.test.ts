import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@lancedb/lancedb';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { LanceDB } from '@langchain/community/vectorstores/lancedb';
import { Document } from '@langchain/core/documents';
import { createApiBackend, type EmbeddingBackend, type EmbeddingInput } from 'jina-clip-runtime';
import { createLocalBackend } from 'jina-clip-runtime/local';
import {
  type JinaApiServer,
  startJinaApiServer,
  writeTinyModelRepo,
} from 'jina-clip-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JinaClipEmbeddings } from './jina-clip-embeddings.js';
import { type TestImage, writeTestImages } from './test-images.js';

/*
 * The pipelines run on vectors that carry no meaning (the loopback server hashes its inputs; the
 * tiny model has random weights), so "a text query retrieves an image" is checked as what the
 * wiring must produce: the store ranks exactly as the cosine of the runtime's own vectors ranks,
 * with the same scores, and an item queried with itself comes back first with similarity 1.
 */

const TEXTS = ['a red double-decker bus', 'a green field of grass', 'a bowl of ripe oranges'];

interface Setup {
  embeddings: JinaClipEmbeddings;
  /** A separate runtime backend of the same model: the vectors the stores must rank by. */
  oracle: EmbeddingBackend;
}

let server: JinaApiServer;
let images: TestImage[];

beforeAll(async () => {
  server = await startJinaApiServer();
  images = await writeTestImages({
    red: [220, 30, 30],
    green: [30, 200, 60],
    blue: [40, 60, 210],
    yellow: [230, 220, 40],
  });
});
afterAll(() => server.close());

const setups = {
  'the api backend (jina-clip-v2, loopback server)': async (): Promise<Setup> => {
    const options = { model: 'jina-clip-v2', baseURL: server.url, apiKey: server.apiKey };
    return { embeddings: new JinaClipEmbeddings(options), oracle: createApiBackend(options) };
  },
  'the local backend (jina-clip-v1, tiny repo)': async (): Promise<Setup> => {
    const repo = await writeTinyModelRepo(await mkdtemp(join(tmpdir(), 'tiny-v1-')), {
      model: 'jina-clip-v1',
    });
    const options = { model: 'jina-clip-v1', modelPath: repo.directory };
    return {
      embeddings: new JinaClipEmbeddings({ backend: 'local', ...options }),
      oracle: createLocalBackend(options),
    };
  },
};

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(normA * normB);
}

/** Candidates ranked by the cosine of their oracle vectors to the query's, best first. */
async function oracleRanking(
  oracle: EmbeddingBackend,
  query: EmbeddingInput,
  candidates: Array<{ key: string; input: EmbeddingInput }>,
): Promise<Array<{ key: string; similarity: number }>> {
  const [queryVector] = (await oracle.embed([query], { task: 'retrieval.query' })).embeddings;
  const { embeddings } = await oracle.embed(candidates.map((candidate) => candidate.input));
  return candidates
    .map((candidate, index) => ({
      key: candidate.key,
      similarity: cosine(queryVector!, embeddings[index]!),
    }))
    .sort((a, b) => b.similarity - a.similarity);
}

const textCandidates = () => TEXTS.map((text) => ({ key: text, input: text }));
const imageCandidates = () =>
  images.map((image) => ({ key: image.name, input: { image: image.path } }));

describe.each(Object.entries(setups))('LangChain pipelines on %s', (_name, createSetup) => {
  let setup: Setup;
  beforeAll(async () => {
    setup = await createSetup();
  });
  afterAll(async () => {
    await setup.embeddings.close();
    await setup.oracle.close();
  });

  it('MemoryVectorStore: texts by addDocuments, images by addVectors, searched across modalities', async () => {
    const { embeddings, oracle } = setup;
    const store = new MemoryVectorStore(embeddings);
    await store.addDocuments(
      TEXTS.map((text) => new Document({ pageContent: text, metadata: { kind: 'text' } })),
    );
    await store.addVectors(
      await embeddings.embedImages(images.map((image) => image.path)),
      images.map(
        (image) =>
          new Document({ pageContent: image.name, metadata: { kind: 'image', path: image.path } }),
      ),
    );
    const isImage = (document: Document) => document.metadata.kind === 'image';
    const isText = (document: Document) => document.metadata.kind === 'text';

    // A text query retrieves images, ranked as the runtime's vectors rank them.
    const imageHits = await store.similaritySearchWithScore('a red bus', images.length, isImage);
    const expectedImages = await oracleRanking(oracle, 'a red bus', imageCandidates());
    expect(imageHits.map(([document]) => document.pageContent)).toEqual(
      expectedImages.map((hit) => hit.key),
    );
    for (const [index, [, score]] of imageHits.entries()) {
      expect(score).toBeCloseTo(expectedImages[index]!.similarity, 6);
    }

    // An image query retrieves texts, likewise.
    const red = images[0]!;
    const textHits = await store.similaritySearchVectorWithScore(
      await embeddings.embedImageQuery(red.path),
      TEXTS.length,
      isText,
    );
    const expectedTexts = await oracleRanking(oracle, { image: red.path }, textCandidates());
    expect(textHits.map(([document]) => document.pageContent)).toEqual(
      expectedTexts.map((hit) => hit.key),
    );
    for (const [index, [, score]] of textHits.entries()) {
      expect(score).toBeCloseTo(expectedTexts[index]!.similarity, 6);
    }

    // An image queried with itself is the best match of all seven items, with similarity 1.
    const [[best, bestScore] = []] = await store.similaritySearchVectorWithScore(
      await embeddings.embedImageQuery(images[2]!.path),
      1,
    );
    expect(best?.metadata).toEqual({ kind: 'image', path: images[2]!.path });
    expect(bestScore).toBeCloseTo(1, 6);
  });

  it('LanceDB: texts and images in their own tables on disk, reopened and searched across modalities', async () => {
    const { embeddings, oracle } = setup;
    const uri = await mkdtemp(join(tmpdir(), 'lancedb-'));
    const textStore = await LanceDB.fromDocuments(
      TEXTS.map((text) => new Document({ pageContent: text, metadata: { kind: 'text' } })),
      embeddings,
      { uri, tableName: 'texts' },
    );
    const imageStore = new LanceDB(embeddings, { uri, tableName: 'images' });
    await imageStore.addVectors(
      await embeddings.embedImages(images.map((image) => image.path)),
      images.map(
        (image) =>
          new Document({ pageContent: image.name, metadata: { kind: 'image', path: image.path } }),
      ),
    );
    expect(textStore).toBeInstanceOf(LanceDB);

    // Reopened from disk, as a later process would.
    const database = await connect(uri);
    expect(await database.tableNames()).toEqual(['images', 'texts']);
    expect(await (await database.openTable('texts')).countRows()).toBe(TEXTS.length);
    const images2 = new LanceDB(embeddings, { table: await database.openTable('images') });
    const texts2 = new LanceDB(embeddings, { table: await database.openTable('texts') });

    // LanceDB ranks by squared L2 distance: for unit vectors, 2 - 2 x cosine.
    const imageHits = await images2.similaritySearchWithScore('a red bus', images.length);
    const expectedImages = await oracleRanking(oracle, 'a red bus', imageCandidates());
    expect(imageHits.map(([document]) => document.pageContent)).toEqual(
      expectedImages.map((hit) => hit.key),
    );
    for (const [index, [document]] of imageHits.entries()) {
      expect(document.metadata.kind).toBe('image');
      expect(document.metadata._distance).toBeCloseTo(2 - 2 * expectedImages[index]!.similarity, 5);
    }

    const red = images[0]!;
    const textHits = await texts2.similaritySearchVectorWithScore(
      await embeddings.embedImageQuery(red.path),
      TEXTS.length,
    );
    const expectedTexts = await oracleRanking(oracle, { image: red.path }, textCandidates());
    expect(textHits.map(([document]) => document.pageContent)).toEqual(
      expectedTexts.map((hit) => hit.key),
    );

    const [[self] = []] = await images2.similaritySearchVectorWithScore(
      await embeddings.embedImageQuery(images[3]!.path),
      1,
    );
    expect(self?.metadata).toMatchObject({ kind: 'image', path: images[3]!.path });
    expect(self?.metadata._distance).toBeCloseTo(0, 5);
  });
});
