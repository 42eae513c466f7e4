import { embedMany } from 'ai';
import { createJinaClip } from 'jina-clip-ai-provider';
import type { HostedContender, HostedSetup } from './hosted-contender.js';

/**
 * This project's AI SDK provider, called as an AI SDK user calls it: one `embedMany` per phase
 * (the SDK splits it into `maxEmbeddingsPerCall` values per `doEmbed` and starts them all; the
 * backend keeps `maxConcurrency` requests in flight). Images travel per value in
 * `providerOptions.jinaClip.content`.
 */
export function createAiSdkJinaClipContender(setup: HostedSetup): HostedContender {
  const jinaClip = createJinaClip({ apiKey: setup.apiKey, baseURL: setup.baseURL });
  const model = jinaClip.embeddingModel(setup.model);
  return {
    configuration:
      'createJinaClip({ apiKey, baseURL }).embeddingModel(model); embedMany({ model, values }), images as providerOptions.jinaClip.content',
    embedTexts: async (texts) => (await embedMany({ model, values: texts })).embeddings,
    embedImages: async (paths) =>
      (
        await embedMany({
          model,
          values: paths,
          providerOptions: { jinaClip: { content: paths.map((image) => ({ image })) } },
        })
      ).embeddings,
    close: () => jinaClip.close(),
  };
}
