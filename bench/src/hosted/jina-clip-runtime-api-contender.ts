import { createApiBackend } from 'jina-clip-runtime';
import type { HostedContender, HostedSetup } from './hosted-contender.js';

/**
 * This project's API backend with its defaults (batches of 32, 2 requests in flight, base64
 * vectors, local images resized to the model's input before upload). `resizeImages: false`
 * sends the original photos instead: the reference for billed image tokens.
 */
export function createJinaClipRuntimeApiContender(
  setup: HostedSetup,
  options: { resizeImages: boolean } = { resizeImages: true },
): HostedContender {
  const backend = createApiBackend({
    model: setup.model,
    apiKey: setup.apiKey,
    baseURL: setup.baseURL,
    resizeImages: options.resizeImages,
  });
  return {
    configuration: `createApiBackend({ model, apiKey, baseURL${options.resizeImages ? '' : ', resizeImages: false'} })`,
    embedTexts: async (texts) => (await backend.embed(texts)).embeddings,
    embedImages: async (paths) =>
      (await backend.embed(paths.map((path) => ({ image: path })))).embeddings,
    close: () => backend.close(),
  };
}
