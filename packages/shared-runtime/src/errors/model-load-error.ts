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
  /**
   * The npm package that is missing or fails to load, when that is the cause (the first of
   * {@link ModelLoadError.packageNames} when several are missing).
   */
  readonly packageName: string | undefined;
  /**
   * Every npm package the call needs that is not installed, when that is the cause: all of them,
   * in one `npm install` line of the message.
   */
  readonly packageNames: readonly string[] | undefined;

  constructor(
    message: string,
    options: {
      file?: string | undefined;
      packageName?: string | undefined;
      packageNames?: readonly string[] | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, options);
    this.file = options.file;
    this.packageName = options.packageName ?? options.packageNames?.[0];
    this.packageNames = options.packageNames;
  }
}
