import type { OnnxGraph } from 'jina-clip-runtime/testing';
import { type EncoderShape, encoderLayer, layerNorm } from './encoder-layer.js';
import { createGraphBuilder, type StandInDtype } from './graph-builder.js';

/** Sizes of the stand-in vision tower. */
export interface VisionTowerShape {
  encoder: EncoderShape;
  imageSize: number;
  patchSize: number;
  projection: number;
}

/** jina-clip-v1's vision tower at ViT-B/16 size: 224 px, 16 px patches (196 + CLS), projection 768. */
export const JINA_CLIP_V1_VISION_SHAPE: VisionTowerShape = {
  encoder: { hidden: 768, heads: 12, intermediate: 3072, layers: 12, epsilon: 1e-6 },
  imageSize: 224,
  patchSize: 16,
  projection: 768,
};

/**
 * The v1 vision graph with the real signature: `pixel_values` [batch, 3, size, size] float32 ->
 * `image_embeds` [batch, projection], not normalised. Patch embedding as a strided Conv, a
 * learned CLS token and position table, a pre-norm ViT encoder, final LayerNorm, CLS pooling and
 * a bias-free projection. (jina-clip-v1's EVA02 tower adds rotary embeddings and SwiGLU at about
 * the same cost.)
 */
export function vitVisionGraph(
  shape: VisionTowerShape,
  options: { dtype: StandInDtype; seed: number },
): OnnxGraph {
  const graph = createGraphBuilder('vision_model', options.seed, options.dtype);
  const { hidden, epsilon } = shape.encoder;
  const grid = shape.imageSize / shape.patchSize;
  const patches = grid * grid;
  const convolved = graph.op(
    'Conv',
    [
      'pixel_values',
      graph.weight('patch_embed.weight', [hidden, 3, shape.patchSize, shape.patchSize], 0.02),
      graph.weight('patch_embed.bias', [hidden], 0.02),
    ],
    {
      kernel_shape: { ints: [shape.patchSize, shape.patchSize] },
      strides: { ints: [shape.patchSize, shape.patchSize] },
    },
  );
  const flatShape = graph.constant(
    'patch_flat_shape',
    [3],
    new BigInt64Array([0n, BigInt(hidden), -1n]),
  );
  const tokens = graph.op('Transpose', [graph.op('Reshape', [convolved, flatShape])], {
    perm: { ints: [0, 2, 1] },
  });
  const batch = graph.op('Slice', [
    graph.op('Shape', ['pixel_values']),
    graph.constant('batch_start', [1], new BigInt64Array([0n])),
    graph.constant('batch_end', [1], new BigInt64Array([1n])),
  ]);
  const clsShape = graph.op(
    'Concat',
    [batch, graph.constant('cls_tail_shape', [2], new BigInt64Array([1n, BigInt(hidden)]))],
    { axis: { int: 0 } },
  );
  const cls = graph.op('Expand', [graph.weight('cls_token', [1, 1, hidden], 0.02), clsShape]);
  const sequence = graph.op('Concat', [cls, tokens], { axis: { int: 1 } });
  let hiddenStates = graph.op('Add', [
    sequence,
    graph.weight('pos_embed', [1, patches + 1, hidden], 0.02),
  ]);
  hiddenStates = layerNorm(graph, 'norm_pre', hiddenStates, hidden, epsilon);
  for (let layer = 0; layer < shape.encoder.layers; layer++) {
    hiddenStates = encoderLayer(graph, `blocks.${layer}`, hiddenStates, shape.encoder, {
      postNorm: false,
    });
  }
  hiddenStates = layerNorm(graph, 'norm', hiddenStates, hidden, epsilon);
  const clsIndex = graph.constant('cls_index', [], new BigInt64Array([0n]));
  const pooled = graph.op('Gather', [hiddenStates, clsIndex], { axis: { int: 1 } });
  const projected = graph.linear('visual_projection', pooled, hidden, shape.projection, false);
  graph.nameOutput(projected, 'image_embeds');
  return graph.build(
    [
      {
        name: 'pixel_values',
        dtype: 'float32',
        shape: ['batch_size', 3, shape.imageSize, shape.imageSize],
      },
    ],
    [{ name: 'image_embeds', dtype: 'float32', shape: ['batch_size', shape.projection] }],
  );
}
