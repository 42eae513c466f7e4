import { JinaClipError, markerFor } from './jina-clip-error.js';

/**
 * The backend was closed: thrown by every call that was pending when `close()` was called,
 * and by every call made after it. Not retryable; create a new backend.
 */
export class BackendClosedError extends JinaClipError {
  static override readonly marker: symbol = markerFor('BackendClosedError');
  override readonly name: string = 'BackendClosedError';

  constructor(
    message = 'This backend is closed: create a new one to embed again.',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
