/**
 * The search app: indexes a folder (texts and images) into an embedded LanceDB table and serves
 * a page to search it by text or by image, on 127.0.0.1 by default.
 *
 *   npm start [-- <folder>] [-- --port 3210 --host 127.0.0.1 --dimensions 256 --chunk-size 16]
 *   npm run start:offline                        (no network: the tiny generated model)
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { isLoopbackHost, JinaClipError, ModelLoadError } from 'jina-clip-runtime';
import { JinaClipEmbeddings, type JinaClipEmbeddingsParams } from 'langchain-jina-clip';
import { SAMPLE_DATA } from '../data-folder.js';
import { describeBackend, embeddingsOptionsFromEnvironment } from '../embeddings-options.js';
import { createSearchApp } from './search-app-server.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    port: { type: 'string', default: process.env.PORT ?? '3210' },
    dimensions: { type: 'string', default: process.env.JINA_CLIP_DIMENSIONS },
    'chunk-size': { type: 'string', default: '16' },
  },
});
// npm runs workspace scripts in examples/; INIT_CWD is where the command was typed.
const folder = resolve(process.env.INIT_CWD ?? process.cwd(), positionals[0] ?? SAMPLE_DATA);
const databaseDirectory = process.env.JINA_CLIP_LANCEDB ?? join(process.cwd(), '.lancedb');
const dimensions = values.dimensions === undefined ? undefined : Number(values.dimensions);
const options = embeddingsOptionsFromEnvironment();
const backendDescription = describeBackend(options);
console.log(`Embedding with the ${backendDescription}`);

let searchApp: Awaited<ReturnType<typeof createSearchApp>>;
let embeddings: JinaClipEmbeddings | undefined;
try {
  // Image files only from the indexed folder; uploads come as bytes, URL queries under the
  // runtime's URL policy (no private or loopback addresses).
  embeddings = new JinaClipEmbeddings({
    ...options,
    ...(dimensions === undefined ? {} : { dimensions }),
    imageFileRoot: folder,
  } as JinaClipEmbeddingsParams);
  searchApp = await createSearchApp({
    folder,
    databaseDirectory,
    embeddings,
    backendDescription,
    chunkSize: Number(values['chunk-size']),
    ...(dimensions === undefined ? {} : { dimensions }),
  });
} catch (error) {
  await embeddings?.close();
  // A typed error (a model that cannot load, a width the model lacks) already says what to do;
  // print it without a stack trace.
  if (!JinaClipError.isInstance(error)) throw error;
  console.error(`${error.name}: ${error.message}`);
  if (ModelLoadError.isInstance(error)) {
    console.error(
      'Without network access, `npm run start:offline` runs this on a tiny generated model.',
    );
  }
  process.exit(1);
}
if (!isLoopbackHost(values.host)) {
  console.warn(
    `Warning: listening on ${values.host}, not loopback: anyone who can reach this address can ` +
      'search the folder and see its images (the app has no sign-in).',
  );
}
const server = serve(
  { fetch: searchApp.app.fetch, hostname: values.host, port: Number(values.port) },
  (info) => {
    const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    console.log(`Search app: http://${host}:${info.port}/`);
  },
);
searchApp.indexing.subscribe((state) => {
  if (state.phase === 'done') {
    console.log(
      `Indexed ${state.total - state.failures.length} of ${state.total} files (${state.failures.length} skipped); table holds ${state.rows} rows`,
    );
  } else if (state.phase === 'failed') {
    console.error(`Indexing stopped: ${state.error?.name}: ${state.error?.message}`);
  }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void searchApp.close().finally(() => process.exit(0));
  });
}
