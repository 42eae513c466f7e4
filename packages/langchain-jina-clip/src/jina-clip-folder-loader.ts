import { readFile } from 'node:fs/promises';
import { BaseDocumentLoader } from '@langchain/core/document_loaders/base';
import { Document } from '@langchain/core/documents';
import { type ListMediaFilesOptions, listMediaFiles } from 'jina-clip-runtime';

/** Options of {@link JinaClipFolderLoader}: which files of the folder it reads. */
export type JinaClipFolderLoaderOptions = ListMediaFilesOptions;

/**
 * The metadata of each `Document` a {@link JinaClipFolderLoader} loads (a type, not an interface,
 * so that it is a `Record<string, unknown>` where `addImages` takes metadata).
 */
export type JinaClipFolderMetadata = {
  /** The file's absolute path (LangChain's file loaders call it `source`). */
  source: string;
  /** `'image'` or `'text'`. */
  modality: 'image' | 'text';
};

/**
 * A LangChain document loader for a folder of images and text files (`.jpg`, `.png`, `.webp`,
 * ...; `.txt`, `.md`), sorted by path, sub-folders included: a text file becomes a `Document`
 * holding its text, an image a `Document` whose `pageContent` is its path, each with `metadata`
 * `{ source, modality }`. Texts go into a store with `addDocuments`, images with `addImages`:
 *
 * @example
 * ```ts
 * const documents = await new JinaClipFolderLoader('./photos').load();
 * const texts = documents.filter((document) => document.metadata.modality === 'text');
 * const images = documents.filter((document) => document.metadata.modality === 'image');
 * await store.addDocuments(texts);
 * await addImages(store, images.map((document) => document.metadata.source), {
 *   metadatas: images.map((document) => document.metadata),
 * });
 * ```
 */
export class JinaClipFolderLoader extends BaseDocumentLoader {
  /** The folder loaded. */
  readonly folder: string;
  readonly #options: JinaClipFolderLoaderOptions;

  constructor(folder: string, options: JinaClipFolderLoaderOptions = {}) {
    super();
    this.folder = folder;
    this.#options = options;
  }

  /** Reads the folder: one `Document` per image or text file, sorted by path. */
  override async load(): Promise<Document<JinaClipFolderMetadata>[]> {
    const files = await listMediaFiles(this.folder, this.#options);
    return Promise.all(
      files.map(
        async ({ path, modality }) =>
          new Document<JinaClipFolderMetadata>({
            pageContent: modality === 'text' ? await readFile(path, 'utf8') : path,
            metadata: { source: path, modality },
          }),
      ),
    );
  }
}
