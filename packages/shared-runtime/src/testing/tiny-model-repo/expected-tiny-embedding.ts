import { InvalidInputError } from '../../errors/invalid-input-error.js';
import type { TinyModelRepo } from './write-tiny-model-repo.js';

/** One input of a tiny repo's graph: a text's token ids (unpadded) or one image's pixel values. */
export type TinyEmbeddingInput =
  | { inputIds: readonly number[] }
  /** [3, imageSize, imageSize], already normalised (see {@link tinyPixelValues}). */
  | { pixelValues: Float32Array };

/**
 * What the tiny repo's graph outputs for one input (`text_embeds` / `image_embeds`, or v2's
 * `text_embeddings` / `image_embeddings`: raw, not normalised), computed in plain JS in float64
 * from {@link TinyModelRepo.weights}, independently of onnxruntime and of the backend.
 * A text's mean runs over its tokens; where the graph derives the mask from the ids (v2, and v1
 * without `attention_mask`), ids equal to the pad id are left out, as the graph leaves them out.
 */
export function expectedTinyEmbedding(
  repo: TinyModelRepo,
  input: TinyEmbeddingInput,
): Float32Array {
  const { width, hiddenSize, patchGrid, imageSize, weights } = repo;
  const out = new Float64Array(width);
  if ('inputIds' in input) {
    const derivesMask = repo.model === 'jina-clip-v2' || !repo.attentionMask;
    const ids = input.inputIds.filter((id) => !derivesMask || id !== repo.padTokenId);
    const pooled = new Float64Array(hiddenSize);
    for (const id of ids) {
      for (let h = 0; h < hiddenSize; h++)
        pooled[h]! += weights.tokenEmbedding[id * hiddenSize + h]!;
    }
    for (let h = 0; h < hiddenSize; h++) pooled[h]! /= ids.length;
    for (let h = 0; h < hiddenSize; h++) {
      for (let w = 0; w < width; w++)
        out[w]! += pooled[h]! * weights.textProjection[h * width + w]!;
    }
    return Float32Array.from(out);
  }
  const { pixelValues } = input;
  if (pixelValues.length !== 3 * imageSize * imageSize) {
    throw new InvalidInputError(
      `pixelValues must hold 3 x ${imageSize} x ${imageSize} values, got ${pixelValues.length}.`,
      { field: 'pixelValues' },
    );
  }
  const block = imageSize / patchGrid;
  let feature = 0;
  for (let channel = 0; channel < 3; channel++) {
    for (let gridRow = 0; gridRow < patchGrid; gridRow++) {
      for (let gridColumn = 0; gridColumn < patchGrid; gridColumn++) {
        let sum = 0;
        for (let y = gridRow * block; y < (gridRow + 1) * block; y++) {
          for (let x = gridColumn * block; x < (gridColumn + 1) * block; x++) {
            sum += pixelValues[(channel * imageSize + y) * imageSize + x]!;
          }
        }
        const mean = sum / (block * block);
        for (let w = 0; w < width; w++) {
          out[w]! += mean * weights.visionProjection[feature * width + w]!;
        }
        feature++;
      }
    }
  }
  return Float32Array.from(out);
}

/**
 * An `imageSize` x `imageSize` RGB image (interleaved bytes, row-major) as the normalised CHW
 * `pixel_values` the repo's preprocessor config describes: `(byte / 255 - mean) / std`.
 * Written out here so a test's expectation does not go through the code under test.
 */
export function tinyPixelValues(repo: TinyModelRepo, rgb: Uint8Array): Float32Array {
  const { imageSize } = repo;
  const pixels = imageSize * imageSize;
  if (rgb.length !== pixels * 3) {
    throw new InvalidInputError(
      `Expected ${imageSize} x ${imageSize} RGB bytes (${pixels * 3}), got ${rgb.length}.`,
      { field: 'rgb' },
    );
  }
  const out = new Float32Array(pixels * 3);
  for (let pixel = 0; pixel < pixels; pixel++) {
    for (let channel = 0; channel < 3; channel++) {
      out[channel * pixels + pixel] =
        (rgb[pixel * 3 + channel]! / 255 - repo.imageMean[channel]!) / repo.imageStd[channel]!;
    }
  }
  return out;
}
