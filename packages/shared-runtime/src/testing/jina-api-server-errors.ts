import { randomBytes } from 'node:crypto';
import type { ErrorResponseBody } from '../api/embeddings-wire.js';

/** One validation error of a 422, in the service's shape. */
export interface ServiceFieldError {
  /** Where: `body -> jina-clip-v1 -> task`. */
  field: string;
  /** What: `Extra inputs are not permitted`. */
  message: string;
  /** Pydantic's error type: `extra_forbidden`, `missing`, ... */
  type: string;
  /** The offending value, when there is one. */
  input?: unknown;
}

/** An error answer the loopback server sends. */
export interface ServiceErrorAnswer {
  status: number;
  body: ErrorResponseBody;
}

/** Error codes of the service (its OpenAPI description lists them). */
export const SERVICE_ERROR_CODES = {
  modelNotFound: 'INPUT_MODEL_NOT_FOUND',
  invalidImage: 'INPUT_INVALID_IMAGE',
  missingApiKey: 'AUTH_MISSING_API_KEY',
  invalidApiKey: 'AUTH_INVALID_API_KEY',
  invalidAuthFormat: 'AUTH_INVALID_FORMAT',
  validation: 'VALIDATION_ERROR',
  rateLimited: 'RATE_LIMIT_EXCEEDED',
  internal: 'INTERNAL_ERROR',
  unavailable: 'SERVICE_UNAVAILABLE',
  notFound: 'RESOURCE_NOT_FOUND',
  requestTooLarge: 'REQUEST_TOO_LARGE',
} as const;

/** A request id as the service writes them: 32 hex digits. */
export function newRequestId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * An error answer shaped like the service's: `detail` prefixed with `[RID: <id>]` as the service
 * writes it, the machine-readable `code`, the `request_id`, and for a 422 the `errors[]` list.
 */
export function serviceError(
  status: number,
  code: string,
  message: string,
  errors?: readonly ServiceFieldError[],
): ServiceErrorAnswer {
  const requestId = newRequestId();
  const body: ErrorResponseBody = {
    detail: `[RID: ${requestId}] ${message}`,
    code,
    request_id: requestId,
  };
  if (errors !== undefined) body.errors = errors;
  return { status, body };
}

/** A 422 listing `errors`, as the service answers a body that fails its schema. */
export function validationError(errors: readonly ServiceFieldError[]): ServiceErrorAnswer {
  return serviceError(
    422,
    SERVICE_ERROR_CODES.validation,
    `Validation errors in ${errors.length} fields`,
    errors,
  );
}
