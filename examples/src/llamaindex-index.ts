/**
 * LlamaIndex multimodal index: the texts and images of a folder as `TextNode`s and `ImageNode`s
 * in a `VectorStoreIndex` with separate text and image vector stores, persisted to disk,
 * reloaded, and queried: a text query retrieves image nodes.
 *
 *   npm run llamaindex --workspace examples [-- <folder> <query>]
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageNode, ModalityType, TextNode } from '@llamaindex/core/schema';
import {
  Settings,
  SimpleVectorStore,
  type StorageContext,
  storageContextFromDefaults,
  VectorStoreIndex,
} from 'llamaindex';
import { JinaClipEmbedding } from 'llamaindex-jina-clip';
import { readDataFolder, SAMPLE_DATA } from './data-folder.js';
import { describeBackend, embeddingsOptionsFromEnvironment } from './embeddings-options.js';
import { printModelNotice } from './model-notice.js';

const [folder = SAMPLE_DATA, query = 'a cat looking up'] = process.argv.slice(2);
const persistDirectory =
  process.env.JINA_CLIP_STORAGE ?? join(process.cwd(), '.llamaindex-storage');
const options = embeddingsOptionsFromEnvironment();
console.log(`Embedding with the ${describeBackend(options)}`);

const embedModel = new JinaClipEmbedding(options);
// One model for both modalities: CLIP puts texts and images in the same space.
Settings.embedModel = embedModel;

/** Text nodes go to the default store, image nodes to their own, both persisted under the folder. */
async function openStorage(): Promise<StorageContext> {
  return storageContextFromDefaults({
    persistDir: persistDirectory,
    vectorStores: {
      [ModalityType.IMAGE]: await SimpleVectorStore.fromPersistDir(
        join(persistDirectory, 'images'),
        embedModel,
      ),
    },
  });
}

try {
  await rm(persistDirectory, { recursive: true, force: true });
  const items = await readDataFolder(folder);
  const nodes = items.map((item) =>
    item.kind === 'text'
      ? new TextNode({ id_: item.id, text: item.text, metadata: { source: item.id } })
      : new ImageNode({ id_: item.id, image: item.path, metadata: { source: item.id } }),
  );
  const built = await VectorStoreIndex.init({ nodes, storageContext: await openStorage() });
  const textCount = nodes.filter(
    (node) => node instanceof TextNode && !(node instanceof ImageNode),
  ).length;
  console.log(
    `Persisted ${textCount} text nodes and ${nodes.length - textCount} image nodes to ${persistDirectory}`,
  );
  void built;
  printModelNotice(embedModel.backend);

  const index = await VectorStoreIndex.init({ storageContext: await openStorage() });
  console.log(`Reloaded the index from ${persistDirectory}`);
  const retriever = index.asRetriever({
    topK: { [ModalityType.TEXT]: 2, [ModalityType.IMAGE]: 2, [ModalityType.AUDIO]: 0 },
  });
  const results = await retriever.retrieve({ query });
  const images = results.filter((result) => result.node instanceof ImageNode);
  console.log(`Images for "${query}":`);
  images.forEach((result, rank) => {
    console.log(
      `  ${rank + 1}. ${String(result.node.metadata.source)} (score ${result.score?.toFixed(4)})`,
    );
  });
  console.log(`Texts for "${query}":`);
  results
    .filter((result) => !(result.node instanceof ImageNode))
    .forEach((result, rank) => {
      console.log(
        `  ${rank + 1}. ${String(result.node.metadata.source)} (score ${result.score?.toFixed(4)})`,
      );
    });
} finally {
  await embedModel.close();
}
