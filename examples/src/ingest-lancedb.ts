/**
 * Ingestion: embeds every image and text of a folder into a LanceDB table, with a progress bar,
 * in chunks that are written as they finish, so an interrupted run resumes where it stopped
 * (files already in the table, by path, are skipped). The table is LangChain's LanceDB layout
 * (`vector`, `text`, metadata columns), ready for `new LanceDB(embeddings, { table })`.
 *
 *   npm run ingest --workspace examples [-- <folder> [--limit N]]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from '@lancedb/lancedb';
import { LanceDB } from '@langchain/community/vectorstores/lancedb';
import { Document } from '@langchain/core/documents';
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
try {
  for (let start = 0; start < remaining.length; start += chunkSize) {
    const chunk = remaining.slice(start, start + chunkSize);
    const texts = chunk.filter((item) => item.kind === 'text');
    const images = chunk.filter((item) => item.kind === 'image');
    const [textVectors, imageVectors] = await Promise.all([
      embeddings.embedDocuments(texts.map((item) => item.text)),
      embeddings.embedImages(images.map((item) => item.path)),
    ]);
    await store.addVectors(
      [...textVectors, ...imageVectors],
      [...texts, ...images].map(toDocument),
    );
    progress.increment(chunk.length);
  }
} finally {
  progress.stop();
  await embeddings.close();
}
const total = await (await database.openTable(values.table)).countRows();
console.log(`Table "${values.table}" at ${databaseDirectory} holds ${total} rows`);

function toDocument(item: DataItem): Document {
  return new Document({
    pageContent: item.kind === 'text' ? item.text : item.path,
    metadata: { id: item.id, kind: item.kind },
  });
}
