import { JinaClipEmbeddings } from 'langchain-jina-clip';
import type { HostedContender, HostedSetup } from './hosted-contender.js';

/** This project's LangChain adapter over the API backend, called as a vector store calls it. */
export function createLangchainJinaClipContender(setup: HostedSetup): HostedContender {
  const embeddings = new JinaClipEmbeddings({
    model: setup.model,
    apiKey: setup.apiKey,
    baseURL: setup.baseURL,
  });
  return {
    configuration:
      'new JinaClipEmbeddings({ model, apiKey, baseURL }); embedDocuments / embedImages',
    embedTexts: (texts) => embeddings.embedDocuments(texts),
    embedImages: (paths) => embeddings.embedImages(paths),
    close: () => embeddings.backend.close(),
  };
}
