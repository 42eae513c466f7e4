import { InvalidInputError } from '../errors/invalid-input-error.js';
import type { ModelInfo } from './model-info.js';

/** The query instruction jina-clip-v2 was trained with (its `config.json`). */
const V2_QUERY_INSTRUCTION = 'Represent the query for retrieving evidence documents: ';

/** The Jina CLIP models, by id. */
export const MODELS = {
  'jina-clip-v1': {
    id: 'jina-clip-v1',
    dimensions: 768,
    matryoshkaDimensions: [],
    imageSize: 224,
    maxTokens: 8192,
    queryInstruction: undefined,
    tasks: [],
    apiParameters: ['normalized', 'embedding_type'],
    imageTokensPerTile: 1000,
    repo: 'jinaai/jina-clip-v1',
    padTokenId: 0,
  },
  'jina-clip-v2': {
    id: 'jina-clip-v2',
    dimensions: 1024,
    matryoshkaDimensions: [32, 64, 128, 256, 512, 768, 1024],
    imageSize: 512,
    maxTokens: 8192,
    queryInstruction: V2_QUERY_INSTRUCTION,
    tasks: ['retrieval.query', 'retrieval.passage'],
    apiParameters: ['normalized', 'embedding_type', 'dimensions', 'task'],
    imageTokensPerTile: 4000,
    repo: 'jinaai/jina-clip-v2',
    padTokenId: 1,
  },
} as const satisfies Record<string, ModelInfo>;

/** The model used when none is given. @default 'jina-clip-v1' */
export const DEFAULT_MODEL = 'jina-clip-v1';

/**
 * The facts of a model id. Unknown ids throw {@link InvalidInputError} naming the known ones,
 * unless `custom` describes the model (a compatible server's own model).
 */
export function getModelInfo(id: string, custom?: ModelInfo): ModelInfo {
  if (custom !== undefined) return custom;
  // Own entries only: "constructor" or a name set on Object.prototype is no model.
  const info = Object.hasOwn(MODELS, id) ? (MODELS as Record<string, ModelInfo>)[id] : undefined;
  if (info === undefined) {
    throw new InvalidInputError(
      `Unknown model "${id}". Known models: ${Object.keys(MODELS).join(', ')}; pass \`modelInfo\` to describe another.`,
      { field: 'model' },
    );
  }
  return info;
}
