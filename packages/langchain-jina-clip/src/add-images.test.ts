import { readFile } from 'node:fs/promises';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { FakeEmbeddings } from '@langchain/core/utils/testing';
import { ImageLoadError, InvalidInputError, type JinaClipError } from 'jina-clip-runtime';
import {
  type JinaApiServer,
  loopbackApiOptions,
  referenceEmbeddings,
  startJinaApiServer,
  type TestImage,
  writeTestImages,
} from 'jina-clip-runtime/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type AddImagesOptions, addImages } from './add-images.js';
import { JinaClipEmbeddings } from './jina-clip-embeddings.js';

let server: JinaApiServer;
let images: TestImage[];

beforeAll(async () => {
  server = await startJinaApiServer();
  images = await writeTestImages({ red: [220, 30, 30], green: [30, 200, 60] });
});
afterEach(() => server.reset());
afterAll(() => server.close());

const options = () => ({ ...loopbackApiOptions(server), model: 'jina-clip-v2' });

/** A MemoryVectorStore whose embeddings are a JinaClipEmbeddings on the loopback server. */
function memoryStore(): MemoryVectorStore {
  const embeddings = new JinaClipEmbeddings(options());
  onTestFinished(() => embeddings.close());
  return new MemoryVectorStore(embeddings);
}

function fieldOf(error: unknown): string | undefined {
  expect(error).toBeInstanceOf(InvalidInputError);
  return (error as InvalidInputError).field;
}

describe('addImages', () => {
  it('stores one Document per image with its metadata, id and the runtime vector', async () => {
    const store = memoryStore();
    const [red, green] = images as [TestImage, TestImage];
    const bytes = new Uint8Array(await readFile(green.path));
    const dataUri = `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
    const metadata = { kind: 'image', tags: ['red'] };
    const sources = [red.path, new URL(`file://${green.path}`), dataUri, bytes];
    await addImages(store, sources, {
      metadatas: [metadata, { kind: 'url' }, { kind: 'data' }, { kind: 'bytes' }],
      ids: ['a', 'b', 'c', 'd'],
    });

    // One request, the images embedded as documents (no task).
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.body).not.toHaveProperty('task');
    const expected = await referenceEmbeddings(
      options(),
      sources.map((image) => ({ image })),
    );
    expect(store.memoryVectors).toEqual([
      { content: red.path, metadata, embedding: expected[0], id: 'a' },
      {
        content: `file://${green.path}`,
        metadata: { kind: 'url' },
        embedding: expected[1],
        id: 'b',
      },
      // A data: URI or bytes have no name to show: their page content is empty, not the bytes.
      { content: '', metadata: { kind: 'data' }, embedding: expected[2], id: 'c' },
      { content: '', metadata: { kind: 'bytes' }, embedding: expected[3], id: 'd' },
    ]);
    // Copied, not shared with the caller's object.
    expect(store.memoryVectors[0]?.metadata).not.toBe(metadata);
  });

  it('adds nothing for no images', async () => {
    const store = memoryStore();
    expect(await addImages(store, [])).toBeUndefined();
    expect(store.memoryVectors).toEqual([]);
  });

  it('takes page contents of its own (captions), one per image', async () => {
    const store = memoryStore();
    await addImages(store, [images[0]!.path], { pageContents: ['a red square'] });
    expect(store.memoryVectors.map((vector) => [vector.content, vector.metadata])).toEqual([
      ['a red square', {}],
    ]);
  });

  it.each<[string, () => [unknown, unknown, AddImagesOptions?], string]>([
    [
      'metadatas of another length',
      () => [memoryStore(), ['x.png', 'y.png'], { metadatas: [{}] }],
      'metadatas',
    ],
    [
      'ids that are not an array',
      () => [memoryStore(), ['x.png'], { ids: 'a' as unknown as string[] }],
      'ids',
    ],
    [
      'pageContents of another length',
      () => [memoryStore(), ['x.png'], { pageContents: [] }],
      'pageContents',
    ],
    ['images that are not an array', () => [memoryStore(), 'x.png'], 'images'],
    [
      'a store whose embeddings do not embed images',
      () => [new MemoryVectorStore(new FakeEmbeddings()), ['x.png']],
      'store',
    ],
    ['no store', () => [undefined, ['x.png']], 'store'],
  ])('rejects %s before any request, naming the field', async (_case, args, field) => {
    const [store, sources, addOptions] = args();
    const error = await addImages(
      store as MemoryVectorStore,
      sources as string[],
      addOptions,
    ).catch((thrown: unknown) => thrown);
    expect(fieldOf(error)).toBe(field);
    expect(server.requests).toEqual([]);
  });

  it('with onImageError keeps the good images of a batch with a bad one, and reports the bad one', async () => {
    const store = memoryStore();
    const [red, green] = images as [TestImage, TestImage];
    const missing = `${red.path}.missing.png`;
    const failures: [JinaClipError, number][] = [];
    const added = await addImages(store, [red.path, missing, green.path], {
      ids: ['a', 'b', 'c'],
      metadatas: [{ n: 0 }, { n: 1 }, { n: 2 }],
      onImageError: (error, index) => failures.push([error, index]),
    });

    // MemoryVectorStore's addVectors returns no ids; the stored documents say what was kept.
    expect(added).toBeUndefined();
    const expected = await referenceEmbeddings(options(), [
      { image: red.path },
      { image: green.path },
    ]);
    expect(store.memoryVectors).toEqual([
      { content: red.path, metadata: { n: 0 }, embedding: expected[0], id: 'a' },
      { content: green.path, metadata: { n: 2 }, embedding: expected[1], id: 'c' },
    ]);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.[0]).toBeInstanceOf(ImageLoadError);
    expect(failures[0]?.[0]).toMatchObject({ inputIndex: 1, reason: 'not-found' });
    expect(failures[0]?.[1]).toBe(1);
  });

  it('without onImageError stores nothing when one image is bad (all or nothing)', async () => {
    const store = memoryStore();
    const [red] = images as [TestImage];
    await expect(addImages(store, [red.path, `${red.path}.missing.png`])).rejects.toBeInstanceOf(
      ImageLoadError,
    );
    expect(store.memoryVectors).toEqual([]);
  });

  it('stores nothing when the call is cancelled, rejecting with the reason itself', async () => {
    const store = memoryStore();
    server.setLatency(5_000);
    onTestFinished(() => server.setLatency(0));
    const controller = new AbortController();
    const added = addImages(store, [images[0]!.path], { signal: controller.signal });
    setTimeout(() => controller.abort('stop'), 20);
    await expect(added).rejects.toBe('stop');
    expect(store.memoryVectors).toEqual([]);
  });
});
