import type { EmbeddingInput } from 'jina-clip-runtime';
import { createLocalBackend } from 'jina-clip-runtime/local';
import { isText, type LocalContender, type LocalSetup } from './local-contender.js';

/**
 * This project's local backend, end to end from strings and image files: one `embed` call per
 * call of the workload, with the same files, dtype, threads and batch size.
 */
export async function createJinaClipRuntimeContender(setup: LocalSetup): Promise<LocalContender> {
  const backend = createLocalBackend({
    model: 'jina-clip-v1',
    modelPath: setup.modelPath,
    dtype: setup.dtype,
    threads: setup.threads,
    batchSize: setup.batchSize,
  });
  return {
    async embed(items) {
      const inputs: EmbeddingInput[] = items.map((item) =>
        isText(item) ? item.text : { image: item.image },
      );
      return (await backend.embed(inputs)).embeddings;
    },
    close: () => backend.close(),
  };
}
