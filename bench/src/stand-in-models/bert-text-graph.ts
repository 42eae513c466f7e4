import type { OnnxGraph, OnnxValueInfo } from 'jina-clip-runtime/testing';
import { type EncoderShape, encoderLayer, layerNorm } from './encoder-layer.js';
import { createGraphBuilder, type StandInDtype } from './graph-builder.js';

/** Sizes of the stand-in text tower. */
export interface TextTowerShape {
  encoder: EncoderShape;
  vocabSize: number;
  /** Rows of the learned absolute position table (the longest input). */
  maxPositions: number;
  projection: number;
}

/** jina-clip-v1's text tower at BERT-base size: vocab 30528, 512 positions, projection 768. */
export const JINA_CLIP_V1_TEXT_SHAPE: TextTowerShape = {
  encoder: { hidden: 768, heads: 12, intermediate: 3072, layers: 12, epsilon: 1e-12 },
  vocabSize: 30528,
  maxPositions: 512,
  projection: 768,
};

/**
 * The v1 text graph with the real signature: `input_ids` [batch, sequence] int64 (and
 * `attention_mask`) -> `text_embeds` [batch, projection], not normalised. Embeddings (word +
 * learned position + token type 0) and LayerNorm, a post-norm BERT encoder whose attention is
 * masked, masked mean pooling, and a bias-free projection, as jina-clip-v1 pools
 * (`pooler_type: mean_pooler`, `proj_bias: false`). Real jina-bert uses ALiBi rather than a
 * position table; a 512-row table costs the same per token.
 */
export function bertTextGraph(
  shape: TextTowerShape,
  options: { dtype: StandInDtype; seed: number; attentionMask: boolean },
): OnnxGraph {
  const graph = createGraphBuilder('text_model', options.seed, options.dtype);
  const { hidden, epsilon } = shape.encoder;
  const words = graph.op('Gather', [
    graph.weight('embeddings.word_embeddings.weight', [shape.vocabSize, hidden], 0.02),
    'input_ids',
  ]);
  const inputShape = graph.op('Shape', ['input_ids']);
  const one = graph.constant('scalar_one_int64', [], new BigInt64Array([1n]));
  const zero = graph.constant('scalar_zero_int64', [], new BigInt64Array([0n]));
  const sequenceLength = graph.op('Gather', [inputShape, one], { axis: { int: 0 } });
  const positionIds = graph.op('Range', [zero, sequenceLength, one]);
  const positions = graph.op('Gather', [
    graph.weight('embeddings.position_embeddings.weight', [shape.maxPositions, hidden], 0.02),
    positionIds,
  ]);
  const tokenType = graph.weight('embeddings.token_type_embeddings.row0', [hidden], 0.02);
  const embedded = graph.op('Add', [graph.op('Add', [words, positions]), tokenType]);
  let hiddenStates = layerNorm(graph, 'embeddings.norm', embedded, hidden, epsilon);

  let maskFloat: string | undefined;
  let maskBias: string | undefined;
  if (options.attentionMask) {
    maskFloat = graph.op('Cast', ['attention_mask'], { to: { int: 1 } });
    const axes = graph.constant('mask_axes', [2], new BigInt64Array([1n, 2n]));
    const expanded = graph.op('Unsqueeze', [maskFloat, axes]);
    const oneFloat = graph.constant('scalar_one_float', [], new Float32Array([1]));
    const large = graph.constant('mask_large', [], new Float32Array([10000]));
    maskBias = graph.op('Mul', [graph.op('Sub', [expanded, oneFloat]), large]);
  }
  for (let layer = 0; layer < shape.encoder.layers; layer++) {
    hiddenStates = encoderLayer(graph, `encoder.layer.${layer}`, hiddenStates, shape.encoder, {
      postNorm: true,
      maskBias,
    });
  }

  let pooled: string;
  const sequenceAxis = graph.constant('pool_axes', [1], new BigInt64Array([1n]));
  if (maskFloat !== undefined) {
    const lastAxis = graph.constant('pool_unsqueeze_axes', [1], new BigInt64Array([2n]));
    const weights = graph.op('Unsqueeze', [maskFloat, lastAxis]);
    const summed = graph.op('ReduceSum', [graph.op('Mul', [hiddenStates, weights]), sequenceAxis], {
      keepdims: { int: 0 },
    });
    const counts = graph.op('ReduceSum', [maskFloat, sequenceAxis], { keepdims: { int: 1 } });
    const floor = graph.constant('pool_min_count', [], new Float32Array([1e-9]));
    pooled = graph.op('Div', [summed, graph.op('Max', [counts, floor])]);
  } else {
    pooled = graph.op('ReduceMean', [hiddenStates], { axes: { ints: [1] }, keepdims: { int: 0 } });
  }
  const projected = graph.linear('text_projection', pooled, hidden, shape.projection, false);
  graph.nameOutput(projected, 'text_embeds');
  const tokens = (name: string): OnnxValueInfo => ({
    name,
    dtype: 'int64',
    shape: ['batch_size', 'sequence_length'],
  });
  const inputs = [
    tokens('input_ids'),
    ...(options.attentionMask ? [tokens('attention_mask')] : []),
  ];
  return graph.build(inputs, [
    { name: 'text_embeds', dtype: 'float32', shape: ['batch_size', shape.projection] },
  ]);
}
