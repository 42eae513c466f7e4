import type { EmbeddingType, WireInput } from '../api/embeddings-wire.js';
import type { EmbeddingTask, ModelInfo } from '../models/model-info.js';
import {
  SERVICE_ERROR_CODES,
  type ServiceErrorAnswer,
  type ServiceFieldError,
  serviceError,
  validationError,
} from './jina-api-server-errors.js';

/** A request body that passed validation. */
export interface ValidEmbeddingsRequest {
  model: ModelInfo;
  input: WireInput[];
  normalized: boolean;
  embeddingType: EmbeddingType;
  dimensions: number | undefined;
  task: EmbeddingTask | undefined;
}

/** The most inputs one request may carry. */
export const MAX_INPUTS_PER_REQUEST = 2048;

const EMBEDDING_TYPES: readonly EmbeddingType[] = ['float', 'base64'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkInput(input: unknown, at: string, errors: ServiceFieldError[]): WireInput[] {
  const items = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(items)) {
    errors.push({ field: at, message: 'Input should be a valid list', type: 'list_type', input });
    return [];
  }
  if (items.length === 0 || items.length > MAX_INPUTS_PER_REQUEST) {
    errors.push({
      field: at,
      message:
        items.length === 0
          ? 'List should have at least 1 item after validation, not 0'
          : `List should have at most ${MAX_INPUTS_PER_REQUEST} items after validation, not ${items.length}`,
      type: items.length === 0 ? 'too_short' : 'too_long',
    });
    return [];
  }
  const wire: WireInput[] = [];
  for (const [index, item] of items.entries()) {
    const field = `${at} -> ${index}`;
    if (typeof item === 'string') {
      if (item.trim() === '') {
        errors.push({
          field,
          message: 'Input text must not be empty',
          type: 'value_error',
          input: item,
        });
      }
      wire.push({ text: item });
      continue;
    }
    const keys = isObject(item) ? Object.keys(item) : [];
    const key = keys[0];
    if (!isObject(item) || keys.length !== 1 || (key !== 'text' && key !== 'image')) {
      errors.push({
        field,
        message: 'Input should be a string, {"text": string} or {"image": string}',
        type: 'union_tag_invalid',
        input: item,
      });
      continue;
    }
    const value = item[key];
    if (typeof value !== 'string' || value.trim() === '') {
      errors.push({
        field: `${field} -> ${key}`,
        message: 'Input should be a non-empty string',
        type: 'string_type',
        input: value,
      });
      continue;
    }
    wire.push(key === 'text' ? { text: value } : { image: value });
  }
  return wire;
}

/**
 * Validates a request body as the service does, model by model: a known `model` (else 400
 * `INPUT_MODEL_NOT_FOUND`), then the model's own schema, where any parameter the model does not
 * take (`task` or `dimensions` on jina-clip-v1) is a 422 "Extra inputs are not permitted", as is
 * a wrong type or value for one it does take. Every problem is listed in `errors[]`.
 */
export function validateEmbeddingsRequest(
  body: unknown,
  models: ReadonlyMap<string, ModelInfo>,
): ValidEmbeddingsRequest | ServiceErrorAnswer {
  if (!isObject(body)) {
    return validationError([
      {
        field: 'body',
        message: 'Input should be a valid dictionary or object to extract fields from',
        type: 'model_attributes_type',
        input: body,
      },
    ]);
  }
  if (typeof body.model !== 'string') {
    return validationError([
      body.model === undefined
        ? { field: 'body -> model', message: 'Field required', type: 'missing' }
        : {
            field: 'body -> model',
            message: 'Input should be a valid string',
            type: 'string_type',
            input: body.model,
          },
    ]);
  }
  const model = models.get(body.model);
  if (model === undefined) {
    return serviceError(400, SERVICE_ERROR_CODES.modelNotFound, `Model '${body.model}' not found`);
  }

  const at = (key: string) => `body -> ${model.id} -> ${key}`;
  const allowed = new Set<string>(['model', 'input', ...model.apiParameters]);
  const errors: ServiceFieldError[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (!allowed.has(key)) {
      errors.push({
        field: at(key),
        message: 'Extra inputs are not permitted',
        type: 'extra_forbidden',
        input: value,
      });
    }
  }
  if (body.input === undefined) {
    errors.push({ field: at('input'), message: 'Field required', type: 'missing' });
  }
  const input = body.input === undefined ? [] : checkInput(body.input, at('input'), errors);

  const { normalized, embedding_type: embeddingType, dimensions, task } = body;
  if (allowed.has('normalized') && normalized !== undefined && typeof normalized !== 'boolean') {
    errors.push({
      field: at('normalized'),
      message: 'Input should be a valid boolean',
      type: 'bool_type',
      input: normalized,
    });
  }
  if (
    allowed.has('embedding_type') &&
    embeddingType !== undefined &&
    !EMBEDDING_TYPES.includes(embeddingType as EmbeddingType)
  ) {
    errors.push({
      field: at('embedding_type'),
      message: `Input should be ${EMBEDDING_TYPES.map((type) => `'${type}'`).join(' or ')}`,
      type: 'enum',
      input: embeddingType,
    });
  }
  if (
    allowed.has('dimensions') &&
    dimensions !== undefined &&
    (typeof dimensions !== 'number' ||
      !Number.isInteger(dimensions) ||
      dimensions < 1 ||
      dimensions > model.dimensions)
  ) {
    errors.push({
      field: at('dimensions'),
      message: `Input should be an integer from 1 to ${model.dimensions}`,
      type: 'int_range',
      input: dimensions,
    });
  }
  if (allowed.has('task') && task !== undefined && !model.tasks.includes(task as EmbeddingTask)) {
    errors.push({
      field: at('task'),
      message: `Input should be ${model.tasks.map((name) => `'${name}'`).join(' or ')}`,
      type: 'enum',
      input: task,
    });
  }
  if (errors.length > 0) return validationError(errors);
  return {
    model,
    input,
    normalized: (normalized as boolean | undefined) ?? false,
    embeddingType: (embeddingType as EmbeddingType | undefined) ?? 'float',
    dimensions: dimensions as number | undefined,
    task: task as EmbeddingTask | undefined,
  };
}

/** True when validation failed. */
export function isServiceError(
  result: ValidEmbeddingsRequest | ServiceErrorAnswer,
): result is ServiceErrorAnswer {
  return 'status' in result;
}
