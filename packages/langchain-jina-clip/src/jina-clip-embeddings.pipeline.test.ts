import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@lancedb/lancedb';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { LanceDB } from '@langchain/community/vectorstores/lancedb';
import { Document } from '@langchain/core/documents';
import { createBackend, type EmbeddingBackend } from 'jina-clip-runtime';
import {
  type OfflineBackends,
  rankBySimilarity,
  startOfflineBackends,
  type TestImage,
  writeTestImages,
} from 'jina-clip-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addImages } from './add-images.js';
import { JinaClipEmbeddings } from './jina-clip-embeddings.js';
import { JinaClipRetriever } from './jina-clip-retriever.js';

/*
 * The pipelines run on vectors that carry no meaning (the loopback server hashes its inputs; the
 * tiny model has random weights), so "a text query retrieves an image" is checked as what the
 * wiring must produce: the store ranks exactly as the cosine of the runtime's own vectors ranks,
 * with the same scores, and an item queried with itself comes back first with similarity 1.
 */

const TEXTS = ['a red double-decker bus', 'a green field of grass', 'a bowl of ripe oranges'];

let offline: OfflineBackends;
let images: TestImage[];

beforeAll(async () => {
  [offline, images] = await Promise.all([
    startOfflineBackends({ apiModel: 'jina-clip-v2' }),
    writeTestImages(),
  ]);
});
afterAll(() => offline.close());

const textCandidates = () => TEXTS.map((text) => ({ key: text, input: text }));
const imageCandidates = () =>
  images.map((image) => ({ key: image.name, input: { image: image.path } }));

describe.each([
  ['api', 'jina-clip-v2, loopback server'],
  ['local', 'jina-clip-v1, tiny repo'],
] as const)('LangChain pipelines on the %s backend (%s)', (kind, _description) => {
  let embeddings: JinaClipEmbeddings;
  /** A separate runtime backend of the same options: the vectors the stores must rank by. */
  let oracle: EmbeddingBackend;
  beforeAll(() => {
    embeddings = new JinaClipEmbeddings(offline[kind]);
    oracle = createBackend(offline[kind]);
  });
  afterAll(async () => {
    await embeddings.close();
    await oracle.close();
  });

  it('MemoryVectorStore: texts by addDocuments, images by addImages, searched across modalities', async () => {
    const store = new MemoryVectorStore(embeddings);
    await store.addDocuments(
      TEXTS.map((text) => new Document({ pageContent: text, metadata: { kind: 'text' } })),
    );
    // Images with their metadata and ids, in one call.
    const ids = await addImages(
      store,
      images.map((image) => image.path),
      {
        metadatas: images.map((image) => ({ kind: 'image', path: image.path })),
        ids: images.map((image) => `image-${image.name}`),
        pageContents: images.map((image) => image.name),
      },
    );
    expect(ids).toBeUndefined(); // MemoryVectorStore.addVectors returns nothing
    const isImage = (document: Document) => document.metadata.kind === 'image';
    const isText = (document: Document) => document.metadata.kind === 'text';

    // A text query retrieves images, ranked as the runtime's vectors rank them.
    const imageHits = await store.similaritySearchWithScore('a red bus', images.length, isImage);
    const expectedImages = await rankBySimilarity(oracle, 'a red bus', imageCandidates());
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
    const expectedTexts = await rankBySimilarity(oracle, { image: red.path }, textCandidates());
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
    expect(best?.id).toBe(`image-${images[2]!.name}`);
    expect(bestScore).toBeCloseTo(1, 6);

    // The retriever takes either kind of query, and ranks as the store does.
    const retriever = new JinaClipRetriever({
      vectorStore: store,
      k: TEXTS.length,
      filter: isText,
    });
    const byImage = await retriever.invoke({ image: red.path });
    expect(byImage.map((document) => document.pageContent)).toEqual(
      expectedTexts.map((hit) => hit.key),
    );
    const imageRetriever = new JinaClipRetriever({ vectorStore: store, k: 2, filter: isImage });
    expect(
      (await imageRetriever.invoke('a red bus')).map((document) => document.pageContent),
    ).toEqual(expectedImages.slice(0, 2).map((hit) => hit.key));
    expect(
      (await imageRetriever.invoke({ text: 'a red bus' })).map((document) => document.pageContent),
    ).toEqual(expectedImages.slice(0, 2).map((hit) => hit.key));
    const [self] = await new JinaClipRetriever({ vectorStore: store, k: 1 }).invoke({
      image: images[1]!.path,
    });
    expect(self?.metadata).toEqual({ kind: 'image', path: images[1]!.path });
  });

  it('LanceDB: texts and images in their own tables on disk, reopened and searched across modalities', async () => {
    const uri = await mkdtemp(join(tmpdir(), 'lancedb-'));
    const textStore = await LanceDB.fromDocuments(
      TEXTS.map((text) => new Document({ pageContent: text, metadata: { kind: 'text' } })),
      embeddings,
      { uri, tableName: 'texts' },
    );
    const imageStore = new LanceDB(embeddings, { uri, tableName: 'images' });
    await addImages(
      imageStore,
      images.map((image) => image.path),
      {
        metadatas: images.map((image) => ({ kind: 'image', path: image.path })),
        pageContents: images.map((image) => image.name),
      },
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
    const expectedImages = await rankBySimilarity(oracle, 'a red bus', imageCandidates());
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
    const expectedTexts = await rankBySimilarity(oracle, { image: red.path }, textCandidates());
    expect(textHits.map(([document]) => document.pageContent)).toEqual(
      expectedTexts.map((hit) => hit.key),
    );

    const [[self] = []] = await images2.similaritySearchVectorWithScore(
      await embeddings.embedImageQuery(images[3]!.path),
      1,
    );
    expect(self?.metadata).toMatchObject({ kind: 'image', path: images[3]!.path });
    expect(self?.metadata._distance).toBeCloseTo(0, 5);

    // The retriever on the reopened tables: an image query finds texts, a text query images.
    const textRetriever = new JinaClipRetriever({ vectorStore: texts2, k: TEXTS.length });
    expect(
      (await textRetriever.invoke({ image: red.path })).map((document) => document.pageContent),
    ).toEqual(expectedTexts.map((hit) => hit.key));
    const imageRetriever = new JinaClipRetriever({ vectorStore: images2, k: images.length });
    expect(
      (await imageRetriever.invoke('a red bus')).map((document) => document.pageContent),
    ).toEqual(expectedImages.map((hit) => hit.key));
  });
});
