import { connect } from '@lancedb/lancedb';
import { LanceDB } from '@langchain/community/vectorstores/lancedb';
import { Document } from '@langchain/core/documents';
import {
  type EmbeddingInput,
  embedSettled,
  ImageLoadError,
  InvalidInputError,
  type JinaClipError,
} from 'jina-clip-runtime';
import type { JinaClipEmbeddings } from 'langchain-jina-clip';
import type { DataItem } from './data-folder.js';

/** What {@link ingestFolder} found before embedding: the folder against the table. */
export interface IngestPlan {
  /** Files in the folder. */
  total: number;
  /** Files already in the table (by id), skipped. */
  alreadyIngested: number;
  /** Files to embed in this run (after `limit`). */
  toEmbed: number;
}

/** Options of {@link ingestFolder}. */
export interface IngestFolderOptions {
  /** Embeds the files (its backend, through `embedSettled`). */
  embeddings: JinaClipEmbeddings;
  /** The LanceDB folder. */
  databaseDirectory: string;
  /** The table, created on the first rows. */
  tableName: string;
  /** The folder's files ({@link readDataFolder}). */
  items: readonly DataItem[];
  /** Files per chunk; each chunk is written as it finishes. @default 16 */
  chunkSize?: number;
  /** Most files to embed in this run. @default Infinity */
  limit?: number;
  /** Matryoshka width to embed at (jina-clip-v2). @default undefined (the model's full width) */
  dimensions?: number;
  /** Called once, before the first chunk. */
  onPlan?: (plan: IngestPlan) => void;
  /** Called after each chunk is written, with the files it held (embedded or skipped). */
  onChunk?: (files: number) => void;
  /** Called for a file skipped for its own fault (a corrupt image, an empty text). */
  onSkipped?: (item: DataItem, error: JinaClipError) => void;
}

/** What {@link ingestFolder} resolves to. */
export interface IngestOutcome {
  /** Files skipped for their own fault; a later run tries them again. */
  skipped: DataItem[];
  /** Rows in the table afterwards. */
  rows: number;
}

/**
 * Embeds every file of a folder that is not in the table yet, in chunks written as they finish,
 * so an interrupted run resumes where it stopped (files already in the table, by id, are
 * skipped). A file that cannot be embedded is reported through `onSkipped` with its typed error
 * and left out; an error that is not a file's own (the key, the network) stops the run after
 * writing the chunk's good rows, and is thrown. The table is LangChain's LanceDB layout
 * (`vector`, `text`, and the `id` and `kind` metadata columns). The CLI (`ingest-lancedb.ts`) and
 * the search app both ingest through it.
 */
export async function ingestFolder(options: IngestFolderOptions): Promise<IngestOutcome> {
  const { embeddings, databaseDirectory, tableName, items, dimensions } = options;
  const chunkSize = options.chunkSize ?? 16;
  const database = await connect(databaseDirectory);
  const table = (await database.tableNames()).includes(tableName)
    ? await database.openTable(tableName)
    : undefined;
  const ingested = new Set<string>(
    table === undefined
      ? []
      : (await table.query().select(['id']).toArray()).map((row: { id: string }) => row.id),
  );
  const remaining = items
    .filter((item) => !ingested.has(item.id))
    .slice(0, options.limit ?? Number.POSITIVE_INFINITY);
  options.onPlan?.({
    total: items.length,
    alreadyIngested: items.length - items.filter((item) => !ingested.has(item.id)).length,
    toEmbed: remaining.length,
  });
  const store = new LanceDB(embeddings, {
    uri: databaseDirectory,
    tableName,
    mode: 'create',
    table,
  });
  const skipped: DataItem[] = [];
  /** Each item's vector (LangChain's plain array) or the typed error that kept it from one. */
  const embedEach = async (
    batch: DataItem[],
  ): Promise<
    ({ item: DataItem; vector: number[] } | { item: DataItem; error: JinaClipError })[]
  > => {
    if (batch.length === 0) return [];
    const { results } = await embedSettled(
      embeddings.backend,
      batch.map(
        (item): EmbeddingInput => (item.kind === 'text' ? item.text : { image: item.path }),
      ),
      dimensions === undefined ? {} : { dimensions },
    );
    return results.map((result, index) =>
      result.status === 'fulfilled'
        ? { item: batch[index]!, vector: Array.from(result.embedding) }
        : { item: batch[index]!, error: result.error },
    );
  };
  for (let start = 0; start < remaining.length; start += chunkSize) {
    const chunk = remaining.slice(start, start + chunkSize);
    const texts = chunk.filter((item) => item.kind === 'text');
    const images = chunk.filter((item) => item.kind === 'image');
    // embedSettled rather than embedDocuments/embedImages, so one bad file costs only itself:
    // the same backend calls without a task (as documents), so the same vectors.
    const settled = (await Promise.all([embedEach(texts), embedEach(images)])).flat();
    const vectors: number[][] = [];
    const documents: Document[] = [];
    let failure: JinaClipError | undefined;
    for (const each of settled) {
      if ('vector' in each) {
        vectors.push(each.vector);
        documents.push(toDocument(each.item));
      } else if (isFileError(each.error)) {
        skipped.push(each.item);
        options.onSkipped?.(each.item, each.error);
      } else {
        failure ??= each.error;
      }
    }
    if (vectors.length > 0) await store.addVectors(vectors, documents);
    // Not the file's fault (the key, the network, rate limits past their bound): stop here and
    // keep what was written; a rerun resumes.
    if (failure !== undefined) throw failure;
    options.onChunk?.(chunk.length);
  }
  const rows = (await database.tableNames()).includes(tableName)
    ? await (await database.openTable(tableName)).countRows()
    : 0;
  return { skipped, rows };
}

/** An error that is the file's own (a corrupt or unreadable image, an empty text). */
export function isFileError(error: JinaClipError): boolean {
  return ImageLoadError.isInstance(error) || InvalidInputError.isInstance(error);
}

function toDocument(item: DataItem): Document {
  return new Document({
    pageContent: item.kind === 'text' ? item.text : item.path,
    metadata: { id: item.id, kind: item.kind },
  });
}
