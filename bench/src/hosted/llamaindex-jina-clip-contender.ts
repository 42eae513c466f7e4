import { JinaClipEmbedding } from 'llamaindex-jina-clip';
import { embedInChunks } from './embed-in-chunks.js';
import type { HostedContender, HostedSetup } from './hosted-contender.js';

/**
 * This project's LlamaIndex adapter, driven the way `VectorStoreIndex` ingestion drives an embed
 * model: `getTextEmbeddingsBatch` (LlamaIndex's `batchEmbeddings` over `embedBatchSize`
 * chunks, one after the other), and the same loop over `getImageEmbeddings` for images.
 */
export function createLlamaindexJinaClipContender(setup: HostedSetup): HostedContender {
  const embedding = new JinaClipEmbedding({
    model: setup.model,
    apiKey: setup.apiKey,
    baseURL: setup.baseURL,
  });
  return {
    configuration:
      'new JinaClipEmbedding({ model, apiKey, baseURL }); getTextEmbeddingsBatch / getImageEmbeddings per embedBatchSize chunk, as ingestion does',
    embedTexts: (texts) => embedding.getTextEmbeddingsBatch(texts),
    embedImages: (paths) =>
      embedInChunks(paths, embedding.embedBatchSize, (chunk) =>
        embedding.getImageEmbeddings(chunk),
      ),
    close: () => embedding.backend.close(),
  };
}
