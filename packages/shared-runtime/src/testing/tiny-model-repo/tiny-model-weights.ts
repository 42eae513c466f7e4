import { createSeededRandom, seededWeights } from './seeded-random.js';

/** The weights of a tiny repo's graphs, row-major, as the graphs and the JS reference use them. */
export interface TinyModelWeights {
  /** [vocabularySize, hiddenSize]: one vector per token id. */
  readonly tokenEmbedding: Float32Array;
  /** [hiddenSize, width]: the text tower's linear layer. */
  readonly textProjection: Float32Array;
  /** [3 * patchGrid * patchGrid, width]: the vision tower's linear layer, rows in (channel, row, column) order. */
  readonly visionProjection: Float32Array;
}

/**
 * Draws the weights from one seed. Scales keep every output component of order 1, far from
 * float32 rounding trouble, so a plain-JS recomputation agrees to about 1e-6.
 */
export function createTinyModelWeights(
  seed: number,
  shape: { vocabularySize: number; hiddenSize: number; width: number; patchGrid: number },
): TinyModelWeights {
  const random = createSeededRandom(seed);
  const features = 3 * shape.patchGrid * shape.patchGrid;
  return {
    tokenEmbedding: seededWeights(random, shape.vocabularySize * shape.hiddenSize, 1),
    textProjection: seededWeights(
      random,
      shape.hiddenSize * shape.width,
      1 / Math.sqrt(shape.hiddenSize),
    ),
    visionProjection: seededWeights(random, features * shape.width, 1 / Math.sqrt(features)),
  };
}
