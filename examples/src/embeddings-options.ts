import type { JinaClipEmbeddingsParams } from 'langchain-jina-clip';
import { createDownloadProgress } from './progress-bar.js';

/**
 * The backend every example uses, from the environment:
 * - `JINA_API_KEY` set: the hosted Jina API (`JINA_API_BASE_URL` points it at another server).
 * - otherwise the local ONNX backend: `JINA_CLIP_MODEL_PATH` names a model folder in Hub layout
 *   (no network); without it the model downloads from the Hugging Face Hub on first use.
 * `JINA_CLIP_MODEL` picks the model. @default 'jina-clip-v1'
 */
export function embeddingsOptionsFromEnvironment(
  environment: NodeJS.ProcessEnv = process.env,
): JinaClipEmbeddingsParams {
  const model = environment.JINA_CLIP_MODEL ?? 'jina-clip-v1';
  if (environment.JINA_API_KEY) {
    return {
      backend: 'api',
      model,
      ...(environment.JINA_API_BASE_URL ? { baseURL: environment.JINA_API_BASE_URL } : {}),
    };
  }
  return {
    backend: 'local',
    model,
    ...(environment.JINA_CLIP_MODEL_PATH
      ? { modelPath: environment.JINA_CLIP_MODEL_PATH }
      : { onDownloadProgress: createDownloadProgress() }),
  };
}

/** One line saying which backend runs, for the examples' first output line. */
export function describeBackend(options: JinaClipEmbeddingsParams): string {
  if (options.backend === 'api')
    return `api backend (${options.baseURL ?? 'https://api.jina.ai/v1'}), ${options.model}`;
  return `local backend, ${options.model} from ${options.modelPath ?? 'the Hugging Face Hub cache'}`;
}
