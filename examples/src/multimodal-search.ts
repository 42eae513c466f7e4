/**
 * The main job: multimodal search over a folder of images and texts with LangChain and an
 * embedded LanceDB store. Texts and images land in one table; a text query finds images and an
 * image query finds texts.
 *
 *   npm start [-- <folder> [query ...]]      (from the repository root)
 */
import { join } from 'node:path';
import { LanceDB } from '@langchain/community/vectorstores/lancedb';
import { Document } from '@langchain/core/documents';
import { ModelLoadError } from 'jina-clip-runtime';
import { JinaClipEmbeddings } from 'langchain-jina-clip';
import { readDataFolder, SAMPLE_DATA } from './data-folder.js';
import { describeBackend, embeddingsOptionsFromEnvironment } from './embeddings-options.js';
import { printResults } from './print-results.js';

const [folder = SAMPLE_DATA, ...queries] = process.argv.slice(2);
const databaseDirectory = process.env.JINA_CLIP_LANCEDB ?? join(process.cwd(), '.lancedb');
const options = embeddingsOptionsFromEnvironment();
console.log(`Embedding with the ${describeBackend(options)}`);

const embeddings = new JinaClipEmbeddings(options);
try {
  const items = await readDataFolder(folder);
  const texts = items.filter((item) => item.kind === 'text');
  const images = items.filter((item) => item.kind === 'image');
  const store = new LanceDB(embeddings, {
    uri: databaseDirectory,
    tableName: 'multimodal',
    mode: 'overwrite',
  });
  // Texts go through the store's own path (embedDocuments); images are embedded here and added
  // with their Documents, so both kinds share one table and one vector space.
  await store.addDocuments(
    texts.map(
      (item) => new Document({ pageContent: item.text, metadata: { kind: 'text', id: item.id } }),
    ),
  );
  const imageVectors = await embeddings.embedImages(images.map((item) => item.path));
  await store.addVectors(
    imageVectors,
    images.map(
      (item) => new Document({ pageContent: item.id, metadata: { kind: 'image', id: item.id } }),
    ),
  );
  console.log(
    `Indexed ${texts.length} texts and ${images.length} images into LanceDB at ${databaseDirectory}`,
  );

  for (const query of queries.length > 0 ? queries : ['a cat looking up', 'a cup of coffee']) {
    const results = await store.similaritySearchVectorWithScore(
      await embeddings.embedQuery(query),
      3,
    );
    printResults(`Text query "${query}"`, results);
  }
  const [firstImage] = images;
  if (firstImage !== undefined) {
    const results = await store.similaritySearchVectorWithScore(
      await embeddings.embedImageQuery(firstImage.path),
      3,
    );
    printResults(`Image query ${firstImage.id}`, results);
  }
} catch (error) {
  // A typed error already says what to do; print it without a stack trace.
  if (!ModelLoadError.isInstance(error)) throw error;
  console.error(`${error.name}: ${error.message}`);
  console.error(
    'Without network access, `npm run start:offline` runs this on a tiny generated model.',
  );
  process.exitCode = 1;
} finally {
  await embeddings.close();
}
