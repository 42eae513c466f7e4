import type { OnnxGraph, OnnxInitializer, OnnxNode, OnnxValueInfo } from '../onnx-model-writer.js';
import type { TinyModelWeights } from './tiny-model-weights.js';

/** How the text tower finds its real tokens. */
export type TinyTextMask =
  | { kind: 'input' } // an `attention_mask` input (1 = token, 0 = padding)
  | { kind: 'derived'; padTokenId: number }; // `input_ids != pad`, as the real exports do inside

/** Shapes of a tiny repo's graphs. */
export interface TinyGraphShape {
  width: number;
  hiddenSize: number;
  vocabularySize: number;
  imageSize: number;
  patchGrid: number;
}

const int64 = (values: readonly number[]): BigInt64Array => BigInt64Array.from(values.map(BigInt));

/**
 * Text tower: `text = MatMul(masked_mean(Gather(token_embedding, input_ids)), text_projection)`.
 * The masked mean divides by the number of real tokens, so padding never moves a vector.
 */
function textNodes(
  prefix: string,
  mask: TinyTextMask,
  output: string,
): { nodes: OnnxNode[]; initializers: OnnxInitializer[] } {
  const name = (suffix: string) => `${prefix}${suffix}`;
  const initializers: OnnxInitializer[] = [
    { name: name('axes_last'), dims: [1], data: int64([-1]) },
    { name: name('axes_sequence'), dims: [1], data: int64([1]) },
  ];
  const maskNodes: OnnxNode[] =
    mask.kind === 'input'
      ? [
          {
            opType: 'Cast',
            inputs: ['attention_mask'],
            outputs: [name('mask')],
            attributes: { to: { int: 1 } },
          },
        ]
      : [
          { opType: 'Equal', inputs: ['input_ids', name('pad_id')], outputs: [name('is_pad')] },
          { opType: 'Not', inputs: [name('is_pad')], outputs: [name('is_token')] },
          {
            opType: 'Cast',
            inputs: [name('is_token')],
            outputs: [name('mask')],
            attributes: { to: { int: 1 } },
          },
        ];
  if (mask.kind === 'derived') {
    initializers.push({ name: name('pad_id'), dims: [], data: int64([mask.padTokenId]) });
  }
  const nodes: OnnxNode[] = [
    {
      opType: 'Gather',
      inputs: [name('token_embedding'), 'input_ids'],
      outputs: [name('token_vectors')],
      attributes: { axis: { int: 0 } },
    },
    ...maskNodes,
    {
      opType: 'Unsqueeze',
      inputs: [name('mask'), name('axes_last')],
      outputs: [name('mask_column')],
    },
    {
      opType: 'Mul',
      inputs: [name('token_vectors'), name('mask_column')],
      outputs: [name('masked_vectors')],
    },
    {
      opType: 'ReduceSum',
      inputs: [name('masked_vectors'), name('axes_sequence')],
      outputs: [name('summed')],
      attributes: { keepdims: { int: 0 } },
    },
    {
      opType: 'ReduceSum',
      inputs: [name('mask'), name('axes_sequence')],
      outputs: [name('token_count')],
      attributes: { keepdims: { int: 1 } },
    },
    { opType: 'Div', inputs: [name('summed'), name('token_count')], outputs: [name('pooled')] },
    { opType: 'MatMul', inputs: [name('pooled'), name('text_projection')], outputs: [output] },
  ];
  return { nodes, initializers };
}

/**
 * Vision tower: `image = MatMul(Flatten(AveragePool(pixel_values)), vision_projection)`: the mean
 * of each of the `patchGrid`² blocks of each channel, each with its own projection row, so a
 * wrong crop, flip or channel order gives a different vector.
 */
function visionNodes(prefix: string, shape: TinyGraphShape, output: string): OnnxNode[] {
  const block = shape.imageSize / shape.patchGrid;
  return [
    {
      opType: 'AveragePool',
      inputs: ['pixel_values'],
      outputs: [`${prefix}patch_means`],
      attributes: { kernel_shape: { ints: [block, block] }, strides: { ints: [block, block] } },
    },
    {
      opType: 'Flatten',
      inputs: [`${prefix}patch_means`],
      outputs: [`${prefix}patch_features`],
      attributes: { axis: { int: 1 } },
    },
    {
      opType: 'MatMul',
      inputs: [`${prefix}patch_features`, `${prefix}vision_projection`],
      outputs: [output],
    },
  ];
}

function textInputs(mask: TinyTextMask, batch: string): OnnxValueInfo[] {
  const inputs: OnnxValueInfo[] = [
    { name: 'input_ids', dtype: 'int64', shape: [batch, 'sequence_length'] },
  ];
  if (mask.kind === 'input') {
    inputs.push({ name: 'attention_mask', dtype: 'int64', shape: [batch, 'sequence_length'] });
  }
  return inputs;
}

function pixelInput(shape: TinyGraphShape, batch: string): OnnxValueInfo {
  return {
    name: 'pixel_values',
    dtype: 'float32',
    shape: [batch, 3, shape.imageSize, shape.imageSize],
  };
}

function textWeights(prefix: string, shape: TinyGraphShape, weights: TinyModelWeights) {
  return [
    {
      name: `${prefix}token_embedding`,
      dims: [shape.vocabularySize, shape.hiddenSize],
      data: weights.tokenEmbedding,
    },
    {
      name: `${prefix}text_projection`,
      dims: [shape.hiddenSize, shape.width],
      data: weights.textProjection,
    },
  ];
}

function visionWeights(prefix: string, shape: TinyGraphShape, weights: TinyModelWeights) {
  return {
    name: `${prefix}vision_projection`,
    dims: [3 * shape.patchGrid * shape.patchGrid, shape.width],
    data: weights.visionProjection,
  };
}

/** jina-clip-v1 `onnx/text_model.onnx`: `input_ids` (+ `attention_mask`) -> `text_embeds`. */
export function tinyV1TextGraph(
  shape: TinyGraphShape,
  weights: TinyModelWeights,
  mask: TinyTextMask,
): OnnxGraph {
  const text = textNodes('', mask, 'text_embeds');
  return {
    name: 'tiny_jina_clip_v1_text',
    inputs: textInputs(mask, 'batch_size'),
    outputs: [{ name: 'text_embeds', dtype: 'float32', shape: ['batch_size', shape.width] }],
    initializers: [...textWeights('', shape, weights), ...text.initializers],
    nodes: text.nodes,
  };
}

/** jina-clip-v1 `onnx/vision_model.onnx`: `pixel_values` -> `image_embeds`. */
export function tinyV1VisionGraph(shape: TinyGraphShape, weights: TinyModelWeights): OnnxGraph {
  return {
    name: 'tiny_jina_clip_v1_vision',
    inputs: [pixelInput(shape, 'batch_size')],
    outputs: [{ name: 'image_embeds', dtype: 'float32', shape: ['batch_size', shape.width] }],
    initializers: [visionWeights('', shape, weights)],
    nodes: visionNodes('', shape, 'image_embeds'),
  };
}

/**
 * jina-clip-v2 `onnx/model.onnx`: both `input_ids` and `pixel_values` always (each with its own
 * batch axis, so one may be minimal or empty), the padding mask derived from `input_ids != 1`;
 * outputs `text_embeddings`, `image_embeddings` and their L2-normalised twins.
 */
export function tinyV2Graph(
  shape: TinyGraphShape,
  weights: TinyModelWeights,
  padTokenId: number,
): OnnxGraph {
  const text = textNodes('text.', { kind: 'derived', padTokenId }, 'text_embeddings');
  const normalise = (input: string, output: string): OnnxNode => ({
    opType: 'LpNormalization',
    inputs: [input],
    outputs: [output],
    attributes: { axis: { int: -1 }, p: { int: 2 } },
  });
  return {
    name: 'tiny_jina_clip_v2',
    inputs: [
      ...textInputs({ kind: 'derived', padTokenId }, 'batch_size'),
      pixelInput(shape, 'image_batch_size'),
    ],
    outputs: [
      { name: 'text_embeddings', dtype: 'float32', shape: ['batch_size', shape.width] },
      { name: 'image_embeddings', dtype: 'float32', shape: ['image_batch_size', shape.width] },
      { name: 'l2norm_text_embeddings', dtype: 'float32', shape: ['batch_size', shape.width] },
      {
        name: 'l2norm_image_embeddings',
        dtype: 'float32',
        shape: ['image_batch_size', shape.width],
      },
    ],
    initializers: [
      ...textWeights('text.', shape, weights),
      ...text.initializers,
      visionWeights('vision.', shape, weights),
    ],
    nodes: [
      ...text.nodes,
      ...visionNodes('vision.', shape, 'image_embeddings'),
      normalise('text_embeddings', 'l2norm_text_embeddings'),
      normalise('image_embeddings', 'l2norm_image_embeddings'),
    ],
  };
}
