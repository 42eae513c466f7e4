import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Document, ImageDocument, MetadataMode } from '@llamaindex/core/schema';
import {
  type JinaApiServer,
  loopbackApiOptions,
  referenceEmbeddings,
  startJinaApiServer,
  writeTestMediaFolder,
} from 'jina-clip-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JinaClipEmbedding } from './jina-clip-embedding.js';
import { JinaClipFolderReader } from './jina-clip-folder-reader.js';

let server: JinaApiServer;
let folder: string;

beforeAll(async () => {
  server = await startJinaApiServer();
  folder = await writeTestMediaFolder({
    prefix: 'folder-reader-',
    textName: 'caption.md',
    ignoredName: 'ignored.json',
  });
});
afterAll(async () => {
  await server.close();
  await rm(folder, { recursive: true, force: true });
});

describe('JinaClipFolderReader', () => {
  it('reads a folder into Documents and ImageDocuments with path metadata, which the embed model ingests', async () => {
    const documents = await new JinaClipFolderReader().loadData(folder);
    const red = join(folder, 'red.png');
    const green = join(folder, 'more', 'green.png');
    const caption = join(folder, 'caption.md');
    expect(documents.map((document) => document.constructor)).toEqual([
      Document,
      ImageDocument,
      ImageDocument,
    ]);
    expect(documents.map((document) => [document.id_, document.metadata])).toEqual([
      [caption, { file_path: caption, file_name: 'caption.md' }],
      [green, { file_path: green, file_name: 'green.png' }],
      [red, { file_path: red, file_name: 'red.png' }],
    ]);
    expect((documents[0] as Document).text).toBe('A red square');
    // What the embed model reads: the text alone, not the path metadata.
    expect(documents[0]?.getContent(MetadataMode.EMBED)).toBe('A red square');
    expect((documents[1] as ImageDocument).image).toBe(green);

    // The embed model as an ingestion transform (VectorStoreIndex, IngestionPipeline).
    const options = { ...loopbackApiOptions(server), model: 'jina-clip-v2' };
    const embedModel = new JinaClipEmbedding(options);
    await embedModel(documents);
    await embedModel.close();
    expect(documents.map((document) => document.embedding)).toEqual([
      ...(await referenceEmbeddings(options, ['A red square'])),
      ...(await referenceEmbeddings(options, [{ image: green }, { image: red }])),
    ]);
  });

  it('names a folder it cannot read', async () => {
    await expect(
      new JinaClipFolderReader().loadData(join(folder, 'missing')),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'folder',
    });
  });
});
