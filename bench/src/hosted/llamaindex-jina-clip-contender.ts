import { batchEmbeddings } from '@llamaindex/core/embeddings';
import { JinaClipEmbedding } from 'llamaindex-jina-clip';
import type { HostedContender, HostedSetup } from './hosted-contender.js';

/**
 * This project's LlamaIndex adapter, driven the way `VectorStoreIndex` ingestion drives an embed
 * model: `batchEmbeddings` over `embedBatchSize` chunks, one chunk after the other.
 */
export function createLlamaindexJinaClipContender(setup: HostedSetup): HostedContender {
  const embedding = new JinaClipEmbedding({
    model: setup.model,
    apiKey: setup.apiKey,
    baseURL: setup.baseURL,
  });
  return {
    configuration:
      'new JinaClipEmbedding({ model, apiKey, baseURL }); batchEmbeddings(…, embedBatchSize) as ingestion does',
    embedTexts: (texts) =>
      batchEmbeddings(texts, embedding.getTextEmbeddings, embedding.embedBatchSize),
    embedImages: (paths) =>
      batchEmbeddings(paths, embedding.getImageEmbeddings.bind(embedding), embedding.embedBatchSize),
    close: () => embedding.backend.close(),
  };
}
