import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBackend, type EmbeddingBackend } from 'jina-clip-runtime';
import {
  type OfflineBackends,
  rankBySimilarity,
  startOfflineBackends,
  type TestImage,
  writeTestImages,
} from 'jina-clip-runtime/testing';
import {
  Document,
  ImageDocument,
  ImageNode,
  IngestionPipeline,
  MetadataMode,
  ModalityType,
  type NodeWithScore,
  Settings,
  SimpleVectorStore,
  storageContextFromDefaults,
  TextNode,
  VectorStoreIndex,
  VectorStoreQueryMode,
} from 'llamaindex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JinaClipEmbedding } from './jina-clip-embedding.js';

/*
 * The vectors carry no meaning here (the loopback server hashes its inputs; the tiny model has
 * random weights), so "a text query retrieves images" is checked as what the wiring must produce:
 * the index ranks exactly as the cosine of the runtime's own vectors ranks, with the same scores,
 * and an image queried with itself comes back first with similarity 1.
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

/** Opens (or creates) the index's storage in `persistDir`: texts and images in their own stores. */
async function openStorage(persistDir: string, embedModel: JinaClipEmbedding) {
  return storageContextFromDefaults({
    persistDir,
    vectorStores: {
      [ModalityType.IMAGE]: await SimpleVectorStore.fromPersistDir(
        join(persistDir, 'images'),
        embedModel,
      ),
    },
  });
}

function hitsOf(results: NodeWithScore[], kind: 'TEXT' | 'IMAGE') {
  return results.filter((result) => result.node.type === kind);
}

describe.each([
  ['api', 'jina-clip-v2, loopback server'],
  ['local', 'jina-clip-v1, tiny repo'],
] as const)('a LlamaIndex VectorStoreIndex on the %s backend (%s)', (kind, _description) => {
  let embedModel: JinaClipEmbedding;
  /** A separate runtime backend of the same options: the vectors the index must rank by. */
  let oracle: EmbeddingBackend;
  beforeAll(() => {
    embedModel = new JinaClipEmbedding(offline[kind]);
    oracle = createBackend(offline[kind]);
  });
  afterAll(async () => {
    await embedModel.close();
    await oracle.close();
  });

  it('indexes TextNodes and ImageNodes, persists, reloads, and retrieves across modalities', async () => {
    Settings.embedModel = embedModel;
    const persistDir = await mkdtemp(join(tmpdir(), 'llamaindex-'));
    const nodes = [
      ...TEXTS.map((text) => new TextNode({ text })),
      // An ImageNode's id is its path: LlamaIndex rebuilds the image URL from it on retrieval.
      ...images.map((image) => new ImageNode({ id_: image.path, image: image.path })),
    ];
    const progress: Array<[number, number]> = [];
    await VectorStoreIndex.init({
      nodes,
      storageContext: await openStorage(persistDir, embedModel),
      progressCallback: (done, total) => progress.push([done, total]),
    });
    // Each modality was embedded by one batch of the embed model, into its own store on disk.
    expect(progress).toEqual([
      [TEXTS.length, TEXTS.length],
      [images.length, images.length],
    ]);
    const imageStoreFile = JSON.parse(
      await readFile(join(persistDir, 'images', 'vector_store.json'), 'utf8'),
    );
    expect(Object.keys(imageStoreFile.embeddingDict).sort()).toEqual(
      images.map((image) => image.path).sort(),
    );

    // A new index on the same folder, as a later process would open it.
    const index = await VectorStoreIndex.init({
      storageContext: await openStorage(persistDir, embedModel),
    });
    const retriever = index.asRetriever({
      topK: {
        [ModalityType.TEXT]: TEXTS.length,
        [ModalityType.IMAGE]: images.length,
        [ModalityType.AUDIO]: 1,
      },
    });

    // A text query retrieves the images, ranked as the runtime's vectors rank them.
    const textQuery = await retriever.retrieve({ query: 'a red bus' });
    const expectedImages = await rankBySimilarity(
      oracle,
      'a red bus',
      images.map((image) => ({
        key: pathToFileURL(image.path).href,
        input: { image: image.path },
      })),
    );
    const imageHits = hitsOf(textQuery, 'IMAGE');
    expect(imageHits.map((hit) => String((hit.node as ImageNode).image))).toEqual(
      expectedImages.map((hit) => hit.key),
    );
    for (const [rank, hit] of imageHits.entries()) {
      expect(hit.score).toBeCloseTo(expectedImages[rank]!.similarity, 6);
    }

    // An image query (an image_url detail) retrieves the texts likewise, and itself first.
    const red = images[0]!;
    const imageQuery = await retriever.retrieve({
      query: [{ type: 'image_url', image_url: { url: pathToFileURL(red.path).href } }],
    });
    const expectedTexts = await rankBySimilarity(
      oracle,
      { image: red.path },
      TEXTS.map((text) => ({ key: text, input: text })),
    );
    const textHits = hitsOf(imageQuery, 'TEXT');
    expect(textHits.map((hit) => hit.node.getContent(MetadataMode.NONE))).toEqual(
      expectedTexts.map((hit) => hit.key),
    );
    for (const [rank, hit] of textHits.entries()) {
      expect(hit.score).toBeCloseTo(expectedTexts[rank]!.similarity, 6);
    }
    const [bestImage] = hitsOf(imageQuery, 'IMAGE');
    expect(bestImage?.node.id_).toBe(red.path);
    expect(bestImage?.score).toBeCloseTo(1, 6);
  });
  it('ingests ImageDocuments with Documents through VectorStoreIndex.fromDocuments, and retrieves them by text or image', async () => {
    Settings.embedModel = embedModel;
    const documents = [
      ...TEXTS.map((text) => new Document({ text })),
      // The id is the path: each retrieved node names it as its source.
      ...images.map(
        (image) =>
          new ImageDocument({ id_: image.path, image: image.path, metadata: { name: image.name } }),
      ),
    ];
    const storageContext = await storageContextFromDefaults({
      vectorStores: { [ModalityType.IMAGE]: new SimpleVectorStore({ embeddingModel: embedModel }) },
    });
    const index = await VectorStoreIndex.fromDocuments(documents, { storageContext });
    const retriever = index.asRetriever({
      topK: {
        [ModalityType.TEXT]: TEXTS.length,
        [ModalityType.IMAGE]: images.length,
        [ModalityType.AUDIO]: 1,
      },
    });

    const expectedImages = await rankBySimilarity(
      oracle,
      'a red bus',
      images.map((image) => ({ key: image.name, input: { image: image.path } })),
    );
    const byText = hitsOf(await retriever.retrieve({ query: 'a red bus' }), 'IMAGE');
    expect(byText.map((hit) => hit.node.metadata.name)).toEqual(
      expectedImages.map((hit) => hit.key),
    );
    for (const [rank, hit] of byText.entries()) {
      expect(hit.score).toBeCloseTo(expectedImages[rank]!.similarity, 6);
      // The node parser gives each document's node an id of its own; the document's id (here
      // its path) is the node's source. (LlamaIndex rebuilds `image` from the node's id.)
      expect(hit.node.sourceNode?.nodeId).toBe(
        images.find((image) => image.name === hit.node.metadata.name)!.path,
      );
    }

    // An image query as a plain path in an image_url detail: texts ranked, and itself first.
    const green = images[1]!;
    const byImage = await retriever.retrieve({
      query: [{ type: 'image_url', image_url: { url: green.path } }],
    });
    const expectedTexts = await rankBySimilarity(
      oracle,
      { image: green.path },
      TEXTS.map((text) => ({ key: text, input: text })),
    );
    expect(hitsOf(byImage, 'TEXT').map((hit) => hit.node.getContent(MetadataMode.NONE))).toEqual(
      expectedTexts.map((hit) => hit.key),
    );
    const [self] = hitsOf(byImage, 'IMAGE');
    expect(self?.node.metadata).toEqual({ name: green.name });
    expect(self?.score).toBeCloseTo(1, 6);
  });

  it('embeds ImageDocuments (paths or Blobs, as ImageReader makes) in an IngestionPipeline into per-modality stores', async () => {
    const textStore = new SimpleVectorStore({ embeddingModel: embedModel });
    const imageStore = new SimpleVectorStore({ embeddingModel: embedModel });
    const pipeline = new IngestionPipeline({
      transformations: [embedModel],
      vectorStores: { [ModalityType.TEXT]: textStore, [ModalityType.IMAGE]: imageStore },
    });
    // The first image as a Blob (as LlamaIndex's ImageReader reads files), the others as paths.
    const [first, ...others] = images as [TestImage, ...TestImage[]];
    const blob = new Blob([await readFile(first.path)], { type: 'image/png' });
    const nodes = await pipeline.run({
      documents: [
        ...TEXTS.map((text) => new Document({ id_: text, text })),
        new ImageDocument({ id_: 'blob', image: blob }),
        ...others.map((image) => new ImageDocument({ id_: image.name, image: image.path })),
      ],
    });
    expect(nodes.map((node) => node.embedding?.length)).toEqual(
      nodes.map(() => oracle.model.dimensions),
    );

    // The image store ranks as the runtime's vectors rank, for a text and an image query.
    // The Blob ranks (and scores) as its file does.
    const candidates = [
      { key: 'blob', input: { image: first.path } },
      ...others.map((image) => ({ key: image.name, input: { image: image.path } })),
    ];
    for (const query of ['a red bus', { image: images[2]!.path }] as const) {
      const queryEmbedding = await embedModel.getQueryEmbedding(
        typeof query === 'string'
          ? { type: 'text', text: query }
          : { type: 'image_url', image_url: { url: query.image } },
      );
      const result = await imageStore.query({
        queryEmbedding: queryEmbedding!,
        similarityTopK: candidates.length,
        mode: VectorStoreQueryMode.DEFAULT,
      });
      const expected = await rankBySimilarity(oracle, query, candidates);
      expect(result.ids).toEqual(expected.map((hit) => hit.key));
      for (const [rank, similarity] of result.similarities.entries()) {
        expect(similarity).toBeCloseTo(expected[rank]!.similarity, 6);
      }
    }
    const textResult = await textStore.query({
      queryEmbedding: (await embedModel.getQueryEmbedding({ type: 'text', text: 'grass' }))!,
      similarityTopK: TEXTS.length,
      mode: VectorStoreQueryMode.DEFAULT,
    });
    const expectedTexts = await rankBySimilarity(
      oracle,
      'grass',
      TEXTS.map((text) => ({ key: text, input: text })),
    );
    expect(textResult.ids).toEqual(expectedTexts.map((hit) => hit.key));
  });
});
