/**
 * The main job: multimodal search over a folder of images and texts with LangChain and an
 * embedded LanceDB store. Texts and images land in one table; a text query finds images and an
 * image query finds texts.
 *
 *   npm run search [-- <folder> [query ...]]      (from the repository root; `npm start` runs
 *   the search app, src/search-app, on the same defaults)
 */
import { join } from 'node:path';
import { LanceDB } from '@langchain/community/vectorstores/lancedb';
import { Document } from '@langchain/core/documents';
import { ModelLoadError } from 'jina-clip-runtime';
import { addImages, JinaClipEmbeddings, JinaClipRetriever } from 'langchain-jina-clip';
import { readDataFolder, SAMPLE_DATA } from './data-folder.js';
import { describeBackend, embeddingsOptionsFromEnvironment } from './embeddings-options.js';
import { printModelNotice } from './model-notice.js';
import { printResults } from './print-results.js';

const [folder = SAMPLE_DATA, ...queries] = process.argv.slice(2);
const databaseDirectory = process.env.JINA_CLIP_LANCEDB ?? join(process.cwd(), '.lancedb');
const options = embeddingsOptionsFromEnvironment();
console.log(`Embedding with the ${describeBackend(options)}`);

let tokens = 0;
const embeddings = new JinaClipEmbeddings({
  ...options,
  onUsage: (usage) => {
    tokens += usage.totalTokens;
  },
});

/** LanceDB puts its distance in each Document's metadata, which printResults reads. */
const withoutScores = (documents: Document[]) =>
  documents.map((document): [Document, undefined] => [document, undefined]);
try {
  const items = await readDataFolder(folder);
  const texts = items.filter((item) => item.kind === 'text');
  const images = items.filter((item) => item.kind === 'image');
  const store = new LanceDB(embeddings, {
    uri: databaseDirectory,
    tableName: 'multimodal',
    mode: 'overwrite',
  });
  // Texts through the store's own path (embedDocuments), images with addImages: both kinds in
  // one table and one vector space.
  await store.addDocuments(
    texts.map(
      (item) => new Document({ pageContent: item.text, metadata: { kind: 'text', id: item.id } }),
    ),
  );
  await addImages(
    store,
    images.map((item) => item.path),
    {
      metadatas: images.map((item) => ({ kind: 'image', id: item.id })),
      pageContents: images.map((item) => item.id),
    },
  );
  console.log(
    `Indexed ${texts.length} texts and ${images.length} images into LanceDB at ${databaseDirectory}`,
  );

  printModelNotice(embeddings.backend);

  // One retriever for both kinds of query: a text, or `{ image }`.
  const retriever = new JinaClipRetriever({ vectorStore: store, k: 3 });
  for (const query of queries.length > 0 ? queries : ['a cat looking up', 'a cup of coffee']) {
    printResults(`Text query "${query}"`, withoutScores(await retriever.invoke(query)));
  }
  const [firstImage] = images;
  if (firstImage !== undefined) {
    const results = await retriever.invoke({ image: firstImage.path });
    printResults(`Image query ${firstImage.id}`, withoutScores(results));
  }
  console.log(`Tokens used: ${tokens}`);
} catch (error) {
  // A typed error already says what to do; print it without a stack trace.
  if (!ModelLoadError.isInstance(error)) throw error;
  console.error(`${error.name}: ${error.message}`);
  console.error(
    'Without network access, `npm run search:offline` runs this on a tiny generated model.',
  );
  process.exitCode = 1;
} finally {
  await embeddings.close();
}
