import type { WorkerError } from '../worker-error.js';
import type { ImageHeader } from './decode-rgb.js';
import type { ImagePreprocessConfig } from './image-preprocess-config.js';
import type { PreprocessedImage } from './preprocess-image.js';

/** One image for a worker thread: its encoded bytes (transferred) and how to preprocess them. */
export interface ImageWorkerTask {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly config: ImagePreprocessConfig;
  readonly exact: boolean;
  readonly header: ImageHeader | undefined;
  readonly timeoutSeconds: number | undefined;
}

/** A worker's answer to the task `id`: the preprocessed image (transferred), or why it failed. */
export type ImageWorkerReply =
  | { readonly id: number; readonly image: PreprocessedImage; readonly error?: undefined }
  | { readonly id: number; readonly error: WorkerError };
