import { ImageLoadError } from '../errors/image-load-error.js';
import { JinaClipError } from '../errors/jina-clip-error.js';
import type { ImagePreprocessConfig } from '../images/image-preprocess-config.js';
import type { ImageWorkerPool } from '../images/image-worker-pool.js';
import type { PixelBufferPool } from '../images/pixel-buffer-pool.js';
import { toPixelValues } from '../images/preprocess-image.js';
import type { ImageSource } from '../inputs/embedding-input.js';
import type { ImageSourceConfig } from '../inputs/image-source-options.js';

/**
 * The image-reading modules, imported on the first image (a text-only call never loads them)
 * and then kept: a dynamic `import()` per image costs a module-resolution round trip each time
 * (under a loader such as tsx, a message to its thread and back).
 */
let imageReading:
  | Promise<
      [typeof import('../inputs/load-image-source.js'), typeof import('../images/admit-image.js')]
    >
  | undefined;

/** One image of a call. */
export interface ImageToEmbed {
  inputIndex: number;
  image: ImageSource;
}

/**
 * Images decoded in parallel within a batch when inline: enough to overlap I/O, few full-size
 * bitmaps at once. With worker threads, one image per thread.
 */
const DECODE_CONCURRENCY = 4;

/** Where and how a batch's images are preprocessed. */
export interface ImageBatchDecoding {
  /** The backend's image worker threads (size 0: inline, in the main thread). */
  pool: ImageWorkerPool;
  /** Full-size decode and PIL-exact resample (no JPEG pre-shrink). */
  exact: boolean;
  /** Where `pixel_values` buffers come from (and go back to after inference). */
  pixelBuffers: PixelBufferPool;
}

/** Splits a call's images into batches of at most `batchSize`, in input order. */
export function planImageBatches(
  images: readonly ImageToEmbed[],
  batchSize: number,
): ImageToEmbed[][] {
  const batches: ImageToEmbed[][] = [];
  for (let start = 0; start < images.length; start += batchSize) {
    batches.push(images.slice(start, start + batchSize));
  }
  return batches;
}

/**
 * Loads (files, URLs, data URIs, bytes) and preprocesses one image into model-sized RGB, under
 * the image policy: byte cap, download and path rules, then the header check and pixel budget.
 */
async function preprocessOne(
  { inputIndex, image }: ImageToEmbed,
  config: ImagePreprocessConfig,
  policy: ImageSourceConfig,
  signal: AbortSignal | undefined,
  decoding: ImageBatchDecoding,
): Promise<Uint8Array> {
  imageReading ??= Promise.all([
    import('../inputs/load-image-source.js'),
    import('../images/admit-image.js'),
  ]);
  const [{ loadImageSource }, { admitImage, decodeFailure, decodeTimeoutSeconds }] =
    await imageReading;
  const loaded = await loadImageSource(image, inputIndex, { fetchUrls: true, signal, policy });
  if (loaded.kind !== 'bytes') {
    throw new ImageLoadError(`Input ${inputIndex}: the image could not be read as bytes.`, {
      inputIndex,
      reason: 'unreadable',
    });
  }
  const { release, header } = await admitImage(loaded.bytes, {
    maxPixels: policy.maxImagePixels,
    maxScans: policy.maxImageScans,
    maxFrames: policy.maxImageFrames,
    maxAspectRatio: policy.maxImageAspectRatio,
    inputIndex,
    description: loaded.description,
    signal,
  });
  try {
    return (
      await decoding.pool.preprocess(loaded.bytes, config, {
        exact: decoding.exact,
        header,
        timeoutSeconds: decodeTimeoutSeconds(policy.imageDecodeTimeout),
        // A file's bytes sit in a buffer of their own: handed over, not copied. A caller's
        // array (or a Blob's, a download's or a data: URI's) is copied, never detached.
        transferBytes: loaded.ownsBuffer === true,
      })
    ).data;
  } catch (error) {
    // A missing sharp (ModelLoadError) or an abort passes through; a bad image names its input.
    if (JinaClipError.isInstance(error) || signal?.aborted) throw error;
    throw decodeFailure(error, {
      inputIndex,
      description: loaded.description,
      timeoutMs: policy.imageDecodeTimeout,
    });
  } finally {
    release();
  }
}

/**
 * Loads and preprocesses a batch of images, a few at a time, into the model's NCHW
 * `pixel_values`. Hand-rolled concurrency: a handful of lines, where a dependency would add
 * a package for one loop.
 */
export async function decodeImageBatch(
  batch: readonly ImageToEmbed[],
  config: ImagePreprocessConfig,
  policy: ImageSourceConfig,
  signal: AbortSignal | undefined,
  decoding: ImageBatchDecoding,
): Promise<Float32Array> {
  const images: Uint8Array[] = new Array(batch.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < batch.length) {
      const index = next++;
      try {
        signal?.throwIfAborted();
        images[index] = await preprocessOne(batch[index]!, config, policy, signal, decoding);
      } catch (error) {
        failed = true; // the other workers stop after their current image
        throw error;
      }
    }
  };
  const concurrency = Math.max(DECODE_CONCURRENCY, decoding.pool.size);
  await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
  return toPixelValues(
    images,
    config,
    decoding.pixelBuffers.take(images.length * 3 * config.size * config.size),
  );
}
