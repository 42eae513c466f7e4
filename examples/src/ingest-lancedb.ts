/**
 * Ingestion: embeds every image and text of a folder into a LanceDB table, with a progress bar,
 * in chunks that are written as they finish, so an interrupted run resumes where it stopped
 * (files already in the table, by path, are skipped). A file that cannot be embedded (a corrupt
 * image, an empty text) is reported with its typed error and skipped; the rest are ingested, and
 * a later run tries it again. The table is LangChain's LanceDB layout (`vector`, `text`, metadata
 * columns), ready for `new LanceDB(embeddings, { table })`.
 *
 *   npm run ingest --workspace examples [-- <folder> [--limit N]]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
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
import { JinaClipEmbeddings } from 'langchain-jina-clip';
import { type DataItem, readDataFolder, SAMPLE_DATA } from './data-folder.js';
import { describeBackend, embeddingsOptionsFromEnvironment } from './embeddings-options.js';
import { createItemProgress } from './progress-bar.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    limit: { type: 'string' },
    'chunk-size': { type: 'string', default: '16' },
    table: { type: 'string', default: 'ingested' },
  },
});
const folder = positionals[0] ?? SAMPLE_DATA;
const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
const chunkSize = Number(values['chunk-size']);
const databaseDirectory = process.env.JINA_CLIP_LANCEDB ?? join(process.cwd(), '.lancedb');
const options = embeddingsOptionsFromEnvironment();
console.log(`Embedding with the ${describeBackend(options)}`);

const database = await connect(databaseDirectory);
const table = (await database.tableNames()).includes(values.table)
  ? await database.openTable(values.table)
  : undefined;
const ingested = new Set<string>(
  table === undefined
    ? []
    : (await table.query().select(['id']).toArray()).map((row: { id: string }) => row.id),
);
const items = await readDataFolder(folder);
const remaining = items.filter((item) => !ingested.has(item.id)).slice(0, limit);
console.log(
  `${items.length} files, ${ingested.size} already ingested, ${remaining.length} to embed`,
);

const embeddings = new JinaClipEmbeddings(options);
const store = new LanceDB(embeddings, {
  uri: databaseDirectory,
  tableName: values.table,
  mode: 'create',
  table,
});
const progress = createItemProgress('embedding');
progress.start(items.length, ingested.size);
const skipped: DataItem[] = [];
try {
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
        report(`Skipped ${each.item.id}: ${each.error.name}: ${oneLine(each.error.message)}`);
      } else {
        failure ??= each.error;
      }
    }
    await store.addVectors(vectors, documents);
    // Not the file's fault (the key, the network, rate limits past their bound): stop here and
    // keep what was written; a rerun resumes.
    if (failure !== undefined) throw failure;
    progress.increment(chunk.length);
  }
} finally {
  progress.stop();
  await embeddings.close();
}
if (skipped.length > 0) {
  console.log(
    `${skipped.length} of ${remaining.length} files skipped (reported above); a rerun tries them again`,
  );
}
const total = (await database.tableNames()).includes(values.table)
  ? await (await database.openTable(values.table)).countRows()
  : 0;
console.log(`Table "${values.table}" at ${databaseDirectory} holds ${total} rows`);

/** Each item's vector (LangChain's plain array) or the typed error that kept it from one. */
async function embedEach(
  batch: DataItem[],
): Promise<({ item: DataItem; vector: number[] } | { item: DataItem; error: JinaClipError })[]> {
  if (batch.length === 0) return [];
  const { results } = await embedSettled(
    embeddings.backend,
    batch.map((item): EmbeddingInput => (item.kind === 'text' ? item.text : { image: item.path })),
  );
  return results.map((result, index) =>
    result.status === 'fulfilled'
      ? { item: batch[index]!, vector: Array.from(result.embedding) }
      : { item: batch[index]!, error: result.error },
  );
}

/** An error that is the file's own (a corrupt or unreadable image, an empty text). */
function isFileError(error: JinaClipError): boolean {
  return ImageLoadError.isInstance(error) || InvalidInputError.isInstance(error);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Prints a line above the progress bar (which draws on stderr when that is a terminal). */
function report(line: string): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  console.log(line);
}

function toDocument(item: DataItem): Document {
  return new Document({
    pageContent: item.kind === 'text' ? item.text : item.path,
    metadata: { id: item.id, kind: item.kind },
  });
}
