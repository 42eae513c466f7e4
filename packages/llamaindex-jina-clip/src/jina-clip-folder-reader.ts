import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { type BaseReader, Document, ImageDocument } from '@llamaindex/core/schema';
import { type ListMediaFilesOptions, listMediaFiles } from 'jina-clip-runtime';

/** Options of {@link JinaClipFolderReader}: which files of the folder it reads. */
export type JinaClipFolderReaderOptions = ListMediaFilesOptions;

/** The metadata of each document a {@link JinaClipFolderReader} reads (SimpleDirectoryReader's keys). */
export type JinaClipFolderMetadata = {
  /** The file's absolute path. */
  file_path: string;
  /** The file's name. */
  file_name: string;
};

/**
 * A LlamaIndex reader for a folder of images and text files (`.jpg`, `.png`, `.webp`, ...;
 * `.txt`, `.md`), sorted by path, sub-folders included: a text file becomes a `Document` holding
 * its text, an image an `ImageDocument` whose `image` is its path, each with `metadata`
 * `{ file_path, file_name }` (as `SimpleDirectoryReader` names them, kept out of the embedded
 * text) and the path as its id, so re-reading the folder gives the same ids. A `VectorStoreIndex` whose embed model is a
 * `JinaClipEmbedding` embeds both kinds into one space.
 *
 * @example
 * ```ts
 * const documents = await new JinaClipFolderReader().loadData('./photos');
 * const index = await VectorStoreIndex.fromDocuments(documents);
 * ```
 */
export class JinaClipFolderReader
  implements BaseReader<Document<JinaClipFolderMetadata> | ImageDocument<JinaClipFolderMetadata>>
{
  readonly #options: JinaClipFolderReaderOptions;

  constructor(options: JinaClipFolderReaderOptions = {}) {
    this.#options = options;
  }

  /** Reads `folder`: one `Document` per text file and one `ImageDocument` per image, by path. */
  async loadData(
    folder: string,
  ): Promise<(Document<JinaClipFolderMetadata> | ImageDocument<JinaClipFolderMetadata>)[]> {
    const files = await listMediaFiles(folder, this.#options);
    return Promise.all(
      files.map(async ({ path, modality }) => {
        const metadata = { file_path: path, file_name: basename(path) };
        // The path is for the application, not the model: a text is embedded as it is written.
        const excludedEmbedMetadataKeys = ['file_path', 'file_name'];
        return modality === 'text'
          ? new Document({
              id_: path,
              text: await readFile(path, 'utf8'),
              metadata,
              excludedEmbedMetadataKeys,
            })
          : new ImageDocument({ id_: path, image: path, metadata, excludedEmbedMetadataKeys });
      }),
    );
  }
}
