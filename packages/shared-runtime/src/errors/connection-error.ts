import { JinaClipError, markerFor } from './jina-clip-error.js';

/** The request never got an answer: refused or reset connection, DNS failure, truncated body. */
export class ConnectionError extends JinaClipError {
  static override readonly marker: symbol = markerFor('ConnectionError');
  override readonly name: string = 'ConnectionError';
  /** Connection failures are always worth another attempt. */
  readonly retryable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
