import { ApiError, type ApiErrorFields } from './api-error.js';
import { markerFor } from './jina-clip-error.js';

/** The service answered 429 on the last allowed attempt. */
export class RateLimitError extends ApiError {
  static override readonly marker: symbol = markerFor('RateLimitError');
  override readonly name: string = 'RateLimitError';
  /** How long the service asked the client to wait (`retry-after-ms` / `Retry-After`), if it said. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, fields: ApiErrorFields & { retryAfterMs?: number | undefined }) {
    super(message, fields);
    this.retryAfterMs = fields.retryAfterMs;
  }
}
