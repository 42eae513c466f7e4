/**
 * LangChain multimodal RAG retrieval: texts and images of a folder in a `MemoryVectorStore`,
 * a retriever over it, and the context a chat model would be given for a question (images as
 * their paths, ready for a vision model's message content).
 *
 *   npm run rag --workspace examples [-- <folder> <question>]
 */
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { Document } from '@langchain/core/documents';
import { addImages, JinaClipEmbeddings, JinaClipRetriever } from 'langchain-jina-clip';
import { readDataFolder, SAMPLE_DATA } from './data-folder.js';
import { describeBackend, embeddingsOptionsFromEnvironment } from './embeddings-options.js';
import { printModelNotice } from './model-notice.js';

const [folder = SAMPLE_DATA, question = 'What is served on the wooden table?'] =
  process.argv.slice(2);
const options = embeddingsOptionsFromEnvironment();
console.log(`Embedding with the ${describeBackend(options)}`);

const embeddings = new JinaClipEmbeddings(options);
try {
  const items = await readDataFolder(folder);
  const store = new MemoryVectorStore(embeddings);
  const texts = items.filter((item) => item.kind === 'text');
  const images = items.filter((item) => item.kind === 'image');
  await store.addDocuments(
    texts.map(
      (item) =>
        new Document({ pageContent: item.text, metadata: { kind: 'text', source: item.id } }),
    ),
  );
  await addImages(
    store,
    images.map((item) => item.path),
    { metadatas: images.map((item) => ({ kind: 'image', source: item.id })) },
  );
  printModelNotice(embeddings.backend);
  // A retriever that takes a text question (or `{ image }`, to ask with a picture).
  const retriever = new JinaClipRetriever({ vectorStore: store, k: 3 });
  const context = await retriever.invoke(question);
  console.log(`Question: ${question}`);
  console.log('Context for the chat model:');
  for (const document of context) {
    const content =
      document.metadata.kind === 'image' ? `[image ${document.pageContent}]` : document.pageContent;
    console.log(`  - (${document.metadata.source}) ${content}`);
  }
} finally {
  await embeddings.close();
}
