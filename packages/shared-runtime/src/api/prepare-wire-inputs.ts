import { ImageLoadError } from '../errors/image-load-error.js';
import { JinaClipError } from '../errors/jina-clip-error.js';
import { admitImage, decodeFailure, decodeTimeoutSeconds } from '../images/admit-image.js';
import { encodeImageForUpload } from '../images/encode-for-upload.js';
import {
  defaultPreprocessConfig,
  type ImagePreprocessConfig,
} from '../images/image-preprocess-config.js';
import type { ImageWorkerPool } from '../images/image-worker-pool.js';
import type { ImageSource, ResolvedInput } from '../inputs/embedding-input.js';
import { loadImageSource } from '../inputs/load-image-source.js';
import type { WireInput } from './embeddings-wire.js';
import type { ApiConfig } from './resolve-api-config.js';
import type { BatchRange } from './run-batches.js';

/** Images of one batch loaded and encoded at once: enough to overlap I/O, few decoded at once. */
const IMAGE_CONCURRENCY = 4;

/** Turns the inputs `range` of a call into wire inputs, loading and encoding images. */
export type WireInputPreparer = (
  inputs: readonly ResolvedInput[],
  range: BatchRange,
  signal: AbortSignal,
) => Promise<WireInput[]>;

/** Maps `items` with at most `limit` calls of `map` running at once, keeping order. */
async function mapWithConcurrency<T, U>(
  items: readonly T[],
  limit: number,
  map: (item: T, index: number) => Promise<U>,
): Promise<U[]> {
  const results = new Array<U>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Builds the preparer for one backend. Texts pass through. An image URL goes to the service as
 * the URL (unless `fetchImageUrls`); local bytes (paths, `file:` and `data:` URLs, buffers, blobs)
 * go as base64: with `resizeImages`, the original or the model's input square, whichever the
 * service bills fewer tiles (then fewer bytes), never more pixels than the original
 * (`encodeImageForUpload`; without sharp, bytes go as they are, after a one-time warning). Every
 * local image is admitted (`admitImage`) and decoded in full first, whatever goes on the wire:
 * bytes that do not decode (a truncated PNG or JPEG) are an {@link ImageLoadError} naming the
 * input, with the local backend's `reason`, before any request.
 */
export function createWireInputPreparer(
  config: ApiConfig,
  imagePool?: ImageWorkerPool,
): WireInputPreparer {
  let preprocessConfig: ImagePreprocessConfig | undefined;

  const prepareImage = async (
    image: ImageSource,
    inputIndex: number,
    signal: AbortSignal,
  ): Promise<string> => {
    const loaded = await loadImageSource(image, inputIndex, {
      fetchUrls: config.fetchImageUrls,
      signal,
      policy: config.images,
    });
    if (loaded.kind === 'url') return loaded.url;
    preprocessConfig ??= defaultPreprocessConfig(config.model);
    // Every local image is admitted and decoded in full here, even when its bytes go untouched
    // (resizeImages: false, or smaller than the model's square): what the local backend refuses
    // is refused before any request, not uploaded for the service to decode what it can.
    const { release, header } = await admitImage(loaded.bytes, {
      maxPixels: config.images.maxImagePixels,
      maxScans: config.images.maxImageScans,
      maxFrames: config.images.maxImageFrames,
      maxAspectRatio: config.images.maxImageAspectRatio,
      inputIndex,
      description: loaded.description,
      signal,
    });
    try {
      const encoded = await encodeImageForUpload(loaded.bytes, preprocessConfig, {
        resize: config.resizeImages,
        pool: imagePool,
        header,
        timeoutSeconds: decodeTimeoutSeconds(config.images.imageDecodeTimeout),
      });
      return encoded.base64;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (JinaClipError.isInstance(error)) throw error;
      // sharp's own complaint about bytes it cannot decode: name the input, never the bytes.
      throw decodeFailure(error, {
        inputIndex,
        description: loaded.description,
        timeoutMs: config.images.imageDecodeTimeout,
      });
    } finally {
      release();
    }
  };

  return (inputs, range, signal) =>
    mapWithConcurrency(
      inputs.slice(range.start, range.end),
      IMAGE_CONCURRENCY,
      async (input, offset): Promise<WireInput> => {
        signal.throwIfAborted();
        if (input.kind === 'text') return { text: input.text };
        return { image: await prepareImage(input.image, range.start + offset, signal) };
      },
    );
}
