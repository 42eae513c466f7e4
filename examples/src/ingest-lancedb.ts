/**
 * Ingestion: embeds every image and text of a folder into a LanceDB table, with a progress bar,
 * in chunks that are written as they finish, so an interrupted run resumes where it stopped
 * (files already in the table, by path, are skipped). A file that cannot be embedded (a corrupt
 * image, an empty text) is reported with its typed error and skipped; the rest are ingested, and
 * a later run tries it again. The table is LangChain's LanceDB layout (`vector`, `text`, metadata
 * columns), ready for `new LanceDB(embeddings, { table })`. The work is `ingestFolder`
 * (ingest-folder.ts), which the search app shares.
 *
 *   npm run ingest --workspace examples [-- <folder> [--limit N]]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { JinaClipEmbeddings } from 'langchain-jina-clip';
import { readDataFolder, SAMPLE_DATA } from './data-folder.js';
import { describeBackend, embeddingsOptionsFromEnvironment } from './embeddings-options.js';
import { ingestFolder } from './ingest-folder.js';
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

const items = await readDataFolder(folder);
const embeddings = new JinaClipEmbeddings(options);
const progress = createItemProgress('embedding');
let toEmbed = 0;
let outcome: Awaited<ReturnType<typeof ingestFolder>>;
try {
  outcome = await ingestFolder({
    embeddings,
    databaseDirectory,
    tableName: values.table,
    items,
    chunkSize,
    limit,
    onPlan: (plan) => {
      toEmbed = plan.toEmbed;
      console.log(
        `${plan.total} files, ${plan.alreadyIngested} already ingested, ${plan.toEmbed} to embed`,
      );
      progress.start(plan.total, plan.alreadyIngested);
    },
    onChunk: (files) => progress.increment(files),
    onSkipped: (item, error) =>
      report(`Skipped ${item.id}: ${error.name}: ${oneLine(error.message)}`),
  });
} finally {
  progress.stop();
  await embeddings.close();
}
if (outcome.skipped.length > 0) {
  console.log(
    `${outcome.skipped.length} of ${toEmbed} files skipped (reported above); a rerun tries them again`,
  );
}
console.log(`Table "${values.table}" at ${databaseDirectory} holds ${outcome.rows} rows`);

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Prints a line above the progress bar (which draws on stderr when that is a terminal). */
function report(line: string): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  console.log(line);
}
