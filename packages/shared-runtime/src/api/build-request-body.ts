import type { EmbedConfig } from '../embed-options.js';
import type { ModelInfo } from '../models/model-info.js';
import type { EmbeddingsRequestBody, WireInput } from './embeddings-wire.js';

/**
 * The exact body of one `POST /embeddings` for `model`: `model`, `input`, then only the
 * parameters the service accepts for that model. `normalized` is always explicit and vectors come
 * back as base64 float32; `dimensions` and `task` go only to models that take them (jina-clip-v2),
 * and only when they change something (a document sends no task, the full width no dimensions).
 * `embed` must come from `resolveEmbedOptions`, which has validated it.
 */
export function buildRequestBody(
  model: ModelInfo,
  input: WireInput[],
  options: { normalized: boolean; embed: EmbedConfig },
): EmbeddingsRequestBody {
  const accepts = (parameter: ModelInfo['apiParameters'][number]) =>
    model.apiParameters.includes(parameter);
  const body: EmbeddingsRequestBody = { model: model.id, input };
  if (accepts('normalized')) body.normalized = options.normalized;
  if (accepts('embedding_type')) body.embedding_type = 'base64';
  if (accepts('dimensions') && options.embed.dimensions !== undefined) {
    body.dimensions = options.embed.dimensions;
  }
  if (accepts('task') && options.embed.task !== undefined) body.task = options.embed.task;
  return body;
}
