import { ConnectionError } from './connection-error.js';
import { markerFor } from './jina-clip-error.js';

/** A request took longer than the backend's `timeout` (per attempt). */
export class TimeoutError extends ConnectionError {
  static override readonly marker: symbol = markerFor('TimeoutError');
  override readonly name: string = 'TimeoutError';
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, options: { timeoutMs: number; cause?: unknown }) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
  }
}
