import { JinaClipError, markerFor } from './jina-clip-error.js';

/**
 * An image source could not be read or decoded. The message names the input's index and a short
 * description of the source (a path or URL, never the bytes).
 */
export class ImageLoadError extends JinaClipError {
  static override readonly marker: symbol = markerFor('ImageLoadError');
  override readonly name: string = 'ImageLoadError';
  /** Index of the image in the array passed to `embed`. */
  readonly inputIndex: number;

  constructor(message: string, options: { inputIndex: number; cause?: unknown }) {
    super(message, options);
    this.inputIndex = options.inputIndex;
  }
}
