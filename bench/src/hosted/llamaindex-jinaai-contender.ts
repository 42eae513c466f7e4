import { pathToFileURL } from 'node:url';
import { JinaAIEmbedding } from '@llamaindex/jinaai';
import { embedInChunks } from './embed-in-chunks.js';
import type { HostedContender, HostedSetup } from './hosted-contender.js';

/**
 * `@llamaindex/jinaai`'s `JinaAIEmbedding` (0.0.39) as its docs configure it: `apiKey`, `model`
 * and its own `baseURL` option (the full embeddings endpoint), driven the way ingestion drives
 * it (`getTextEmbeddingsBatch`: `embedBatchSize` chunks, default 10, one request at a time).
 * Local images are given as `file:` URL objects (a path or a `file:` string fails its reader),
 * which it reads and sends whole as `{ bytes: base64 }`.
 */
export function createLlamaindexJinaaiContender(setup: HostedSetup): HostedContender {
  const embedding = new JinaAIEmbedding({
    apiKey: setup.apiKey,
    model: setup.model,
    baseURL: `${setup.baseURL}/embeddings`,
  });
  return {
    configuration: "new JinaAIEmbedding({ apiKey, model, baseURL: '<loopback>/v1/embeddings' })",
    embedTexts: (texts) => embedding.getTextEmbeddingsBatch(texts),
    embedImages: (paths) =>
      embedInChunks(
        paths.map((path) => pathToFileURL(path)),
        embedding.embedBatchSize,
        (chunk) => embedding.getImageEmbeddings(chunk),
      ),
  };
}
