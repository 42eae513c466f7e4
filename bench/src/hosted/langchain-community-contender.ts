import { readFile } from 'node:fs/promises';
import { JinaEmbeddings } from '@langchain/community/embeddings/jina';
import type { HostedContender, HostedSetup } from './hosted-contender.js';

/**
 * `@langchain/community`'s `JinaEmbeddings` (1.1.29) as its docs configure it: `apiKey` and
 * `model`, everything else default (batches of 24; `dimensions: 1024`, `task` and `normalized`
 * always sent). Its constructor ignores a `baseUrl` option, so the public `baseUrl` field is set
 * after construction: the client's own request code then runs unchanged against the loopback
 * server. Local images go as base64 strings in `{ image }` inputs, the form its types accept.
 */
export function createLangchainCommunityContender(setup: HostedSetup): HostedContender {
  const embeddings = new JinaEmbeddings({ apiKey: setup.apiKey, model: setup.model });
  embeddings.baseUrl = `${setup.baseURL}/embeddings`;
  return {
    configuration:
      "new JinaEmbeddings({ apiKey, model }); then embeddings.baseUrl = '<loopback>/v1/embeddings' (the constructor ignores baseUrl)",
    embedTexts: (texts) => embeddings.embedDocuments(texts),
    embedImages: async (paths) =>
      embeddings.embedDocuments(
        await Promise.all(
          paths.map(async (path) => ({ image: (await readFile(path)).toString('base64') })),
        ),
      ),
  };
}
