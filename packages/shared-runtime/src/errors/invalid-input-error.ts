import { JinaClipError, markerFor } from './jina-clip-error.js';

/**
 * An input or option is invalid. Thrown before any request or inference, naming the offending
 * input (`inputIndex`) or option (`field`).
 */
export class InvalidInputError extends JinaClipError {
  static override readonly marker: symbol = markerFor('InvalidInputError');
  override readonly name: string = 'InvalidInputError';
  /** Index of the offending input in the array passed to `embed`, when an input is at fault. */
  readonly inputIndex: number | undefined;
  /** Name of the offending option (`dimensions`, `batchSize`, ...), when an option is at fault. */
  readonly field: string | undefined;

  constructor(
    message: string,
    options: { inputIndex?: number | undefined; field?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, options);
    this.inputIndex = options.inputIndex;
    this.field = options.field;
  }
}
