import { ApiError, type ApiErrorFields } from './api-error.js';
import { markerFor } from './jina-clip-error.js';

/**
 * The API key is missing (`status` 0: no request was sent), invalid (401) or not allowed to
 * use the model (403). The message never contains the key.
 */
export class AuthenticationError extends ApiError {
  static override readonly marker: symbol = markerFor('AuthenticationError');
  override readonly name: string = 'AuthenticationError';

  constructor(message: string, fields: ApiErrorFields) {
    super(message, fields);
  }
}
