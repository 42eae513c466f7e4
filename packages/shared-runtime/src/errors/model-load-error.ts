import { JinaClipError, markerFor } from './jina-clip-error.js';

/**
 * The local model could not be loaded: a file is missing from the cache while offline, a
 * download failed, a checksum did not match, an optional peer package or CUDA binaries are
 * absent. The message says what to do.
 */
export class ModelLoadError extends JinaClipError {
  static override readonly marker: symbol = markerFor('ModelLoadError');
  override readonly name: string = 'ModelLoadError';
  /** The repository file concerned (`onnx/model.onnx`), when one is. */
  readonly file: string | undefined;
  /** The npm package that is missing, when that is the cause. */
  readonly packageName: string | undefined;

  constructor(
    message: string,
    options: { file?: string | undefined; packageName?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, options);
    this.file = options.file;
    this.packageName = options.packageName;
  }
}
