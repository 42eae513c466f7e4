import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { BaseDocumentLoader } from '@langchain/core/document_loaders/base';
import {
  type JinaApiServer,
  loopbackApiOptions,
  referenceEmbeddings,
  startJinaApiServer,
  writeTestMediaFolder,
} from 'jina-clip-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addImages } from './add-images.js';
import { JinaClipEmbeddings } from './jina-clip-embeddings.js';
import { JinaClipFolderLoader } from './jina-clip-folder-loader.js';

let server: JinaApiServer;
let folder: string;

beforeAll(async () => {
  server = await startJinaApiServer();
  folder = await writeTestMediaFolder({ prefix: 'folder-loader-' });
});
afterAll(async () => {
  await server.close();
  await rm(folder, { recursive: true, force: true });
});

describe('JinaClipFolderLoader', () => {
  it('loads a folder of images and texts into Documents with path metadata, ready for a store', async () => {
    const loader = new JinaClipFolderLoader(folder);
    expect(loader).toBeInstanceOf(BaseDocumentLoader);
    const documents = await loader.load();
    const red = join(folder, 'red.png');
    const green = join(folder, 'more', 'green.png');
    const caption = join(folder, 'caption.txt');
    expect(documents.map(({ pageContent, metadata }) => ({ pageContent, metadata }))).toEqual([
      { pageContent: 'A red square', metadata: { source: caption, modality: 'text' } },
      { pageContent: green, metadata: { source: green, modality: 'image' } },
      { pageContent: red, metadata: { source: red, modality: 'image' } },
    ]);

    const options = { ...loopbackApiOptions(server), model: 'jina-clip-v2' };
    const embeddings = new JinaClipEmbeddings(options);
    const store = new MemoryVectorStore(embeddings);
    const texts = documents.filter((document) => document.metadata.modality === 'text');
    const images = documents.filter((document) => document.metadata.modality === 'image');
    await store.addDocuments(texts);
    await addImages(
      store,
      images.map((document) => document.metadata.source),
      { metadatas: images.map((document) => document.metadata) },
    );
    await embeddings.close();
    expect(store.memoryVectors.map((vector) => [vector.metadata.source, vector.embedding])).toEqual(
      [
        [caption, (await referenceEmbeddings(options, ['A red square']))[0]],
        ...(await referenceEmbeddings(options, [{ image: green }, { image: red }])).map(
          (vector, index) => [[green, red][index], vector],
        ),
      ],
    );
  });

  it('names a folder it cannot read', async () => {
    await expect(new JinaClipFolderLoader(join(folder, 'missing')).load()).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'folder',
    });
  });
});
