import { JinaClipError, markerFor } from './jina-clip-error.js';

/** Fields of an error answered by the Jina Embeddings API (or a server speaking its protocol). */
export interface ApiErrorFields {
  /** HTTP status of the response. */
  status: number;
  /** The service's machine-readable error code, when the body carried one. */
  code?: string | undefined;
  /** The service's request id (`request_id` in the body or `x-request-id` header). */
  requestId?: string | undefined;
  /** The service's human-readable `detail`. */
  detail?: string | undefined;
  /** Per-field validation errors of a 422 answer (`errors[]` in the body). */
  errors?: readonly unknown[] | undefined;
  /** Response headers (the request's headers, and so the API key, never appear here). */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Overrides the status-derived {@link ApiError.retryable} (an over-cap answer is never retried). */
  retryable?: boolean | undefined;
  cause?: unknown;
}

/** Statuses a request is retried on: request timeout, conflict, rate limit and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * The hosted API answered with an error status (after any retries).
 * Branch on `status`, `code` and `retryable`; `requestId` is what Jina support asks for.
 */
export class ApiError extends JinaClipError {
  static override readonly marker: symbol = markerFor('ApiError');
  override readonly name: string = 'ApiError';
  readonly status: number;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  readonly detail: string | undefined;
  readonly errors: readonly unknown[] | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Whether the same request could succeed if sent again: by status (408, 409, 429, 5xx), except
   * for an answer the client refused whatever its status (`RESPONSE_TOO_LARGE`).
   */
  readonly retryable: boolean;

  constructor(message: string, fields: ApiErrorFields) {
    super(message, { cause: fields.cause });
    this.status = fields.status;
    this.code = fields.code;
    this.requestId = fields.requestId;
    this.detail = fields.detail;
    this.errors = fields.errors;
    this.headers = fields.headers ?? {};
    this.retryable = fields.retryable ?? isRetryableStatus(fields.status);
  }
}
