/**
 * LlamaIndex's own ingestion paths keep `maxConcurrency` requests in flight through the adapter
 * (LlamaIndex's base transform awaits one `embedBatchSize` chunk at a time), report progress per
 * request, and keep every node's vector in place.
 */
import { ImageNode, MetadataMode, TextNode } from '@llamaindex/core/schema';
import {
  expectedServerEmbedding,
  type JinaApiServer,
  loopbackApiOptions,
  referenceEmbeddings,
  startJinaApiServer,
  type TestImage,
  writeTestImages,
} from 'jina-clip-runtime/testing';
import { Document, IngestionPipeline, Settings, VectorStoreIndex } from 'llamaindex';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { JinaClipEmbedding } from './jina-clip-embedding.js';

let server: JinaApiServer;
let images: TestImage[];

beforeAll(async () => {
  server = await startJinaApiServer();
  images = await writeTestImages({
    red: [220, 30, 30],
    green: [30, 200, 60],
    blue: [40, 60, 210],
    grey: [128, 128, 128],
  });
});
afterEach(() => {
  server.reset();
  server.setLatency(0);
});
afterAll(() => server.close());

/** An adapter on the loopback server with requests of 2 inputs, 3 in flight at most. */
function embedding(): JinaClipEmbedding {
  const created = new JinaClipEmbedding({
    ...loopbackApiOptions(server),
    model: 'jina-clip-v1',
    batchSize: 2,
    maxConcurrency: 3,
  });
  onTestFinished(() => created.close());
  return created;
}

const TEXTS = Array.from({ length: 12 }, (_, index) => `passage number ${index}`);
const serverVector = (text: string) => Array.from(expectedServerEmbedding(text, 'jina-clip-v1'));

describe('JinaClipEmbedding in LlamaIndex ingestion', () => {
  it('VectorStoreIndex.fromDocuments: maxConcurrency requests in flight, progress per request', async () => {
    server.setLatency(40);
    const embedModel = embedding();
    Settings.embedModel = embedModel;
    const progress: Array<[number, number]> = [];
    const documents = TEXTS.map((text) => new Document({ text }));
    await VectorStoreIndex.fromDocuments(documents, {
      progressCallback: (done, total) => progress.push([done, total]),
    });
    expect(server.peakInFlight).toBe(3);
    expect(
      server.requests.map((request) => (request.body as { input: unknown[] }).input.length),
    ).toEqual([2, 2, 2, 2, 2, 2]);
    expect(progress).toEqual([2, 4, 6, 8, 10, 12].map((done) => [done, 12]));
    // The nodes the index stored, each with its own vector.
    const sent = server.requests.flatMap(
      (request) => (request.body as { input: Array<{ text: string }> }).input,
    );
    expect(sent.map((input) => input.text).sort()).toEqual([...TEXTS].sort());
  });

  it('IngestionPipeline: texts then images, maxConcurrency in flight, vectors in node order', async () => {
    server.setLatency(40);
    const embedModel = embedding();
    const nodes = [
      ...TEXTS.map((text) => new TextNode({ text })),
      ...images.map((image) => new ImageNode({ id_: image.path, image: image.path })),
    ];
    const progress: Array<[number, number]> = [];
    const pipeline = new IngestionPipeline({ transformations: [embedModel] });
    const result = await pipeline.run(
      { nodes },
      { progressCallback: (done: number, total: number) => progress.push([done, total]) },
    );
    expect(server.peakInFlight).toBe(3);
    expect(server.requests).toHaveLength(6 + 2);
    // Counted over the whole call: 12 texts and 4 images.
    expect(progress).toEqual([2, 4, 6, 8, 10, 12, 14, 16].map((done) => [done, 16]));
    expect(result.map((node) => node.id_)).toEqual(nodes.map((node) => node.id_));
    expect(result.slice(0, 12).map((node) => node.embedding)).toEqual(
      TEXTS.map((text) => serverVector(text)),
    );
    expect(result.slice(12).map((node) => node.embedding)).toEqual(
      await referenceEmbeddings(
        { ...loopbackApiOptions(server), model: 'jina-clip-v1' },
        images.map((image) => ({ image: image.path })),
      ),
    );
  });

  it('getTextEmbeddingsBatch: one backend call, progress per request, input order', async () => {
    server.setLatency(40);
    const embedModel = embedding();
    const progress: Array<[number, number]> = [];
    const vectors = await embedModel.getTextEmbeddingsBatch(TEXTS, {
      progressCallback: (done, total) => progress.push([done, total]),
    });
    expect(server.peakInFlight).toBe(3);
    expect(progress).toEqual([2, 4, 6, 8, 10, 12].map((done) => [done, 12]));
    expect(vectors).toEqual(TEXTS.map((text) => serverVector(text)));
  });

  it('logs progress lines as LlamaIndex does, to the given logger', async () => {
    const embedModel = embedding();
    const lines: string[] = [];
    const logger = { log: (line: string) => lines.push(line), error() {}, warn() {} };
    const nodes = TEXTS.slice(0, 4).map((text) => new TextNode({ text }));
    await embedModel(nodes, { logger });
    expect(lines).toEqual([
      'getting embedding progress: 2 / 4',
      'getting embedding progress: 4 / 4',
    ]);
    expect(nodes.map((node) => node.getContent(MetadataMode.EMBED))).toEqual(TEXTS.slice(0, 4));
  });
});
