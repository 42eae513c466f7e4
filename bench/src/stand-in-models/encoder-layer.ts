import type { GraphBuilder } from './graph-builder.js';

/** Sizes of a transformer encoder (BERT-base and ViT-B share them). */
export interface EncoderShape {
  hidden: number;
  heads: number;
  intermediate: number;
  layers: number;
  /** LayerNorm epsilon. */
  epsilon: number;
}

/** BERT-base / ViT-B/16: 12 layers, hidden 768, 12 heads, FFN 3072. */
export const BASE_ENCODER: EncoderShape = {
  hidden: 768,
  heads: 12,
  intermediate: 3072,
  layers: 12,
  epsilon: 1e-12,
};

/** `LayerNormalization` over the last axis with unit gain and zero bias. */
export function layerNorm(
  graph: GraphBuilder,
  name: string,
  input: string,
  hidden: number,
  epsilon: number,
): string {
  return graph.op(
    'LayerNormalization',
    [input, graph.filled(`${name}.weight`, [hidden], 1), graph.filled(`${name}.bias`, [hidden], 0)],
    { axis: { int: -1 }, epsilon: { float: epsilon } },
  );
}

/** Exact (erf) GELU as PyTorch exports it: 0.5 x (1 + erf(x / sqrt 2)). */
function gelu(graph: GraphBuilder, input: string): string {
  const sqrtTwo = graph.constant(`gelu_sqrt2_${input}`, [], new Float32Array([Math.SQRT2]));
  const one = graph.constant(`gelu_one_${input}`, [], new Float32Array([1]));
  const half = graph.constant(`gelu_half_${input}`, [], new Float32Array([0.5]));
  const erf = graph.op('Erf', [graph.op('Div', [input, sqrtTwo])]);
  return graph.op('Mul', [graph.op('Mul', [input, graph.op('Add', [erf, one])]), half]);
}

/**
 * Multi-head self-attention as `torch.onnx.export` writes BERT's: Q/K/V projections, split into
 * heads with Reshape + Transpose, scaled dot product, optional additive mask, softmax, merge,
 * output projection.
 */
function selfAttention(
  graph: GraphBuilder,
  name: string,
  input: string,
  shape: EncoderShape,
  maskBias: string | undefined,
): string {
  const headSize = shape.hidden / shape.heads;
  const splitShape = graph.constant(
    `${name}.split_shape`,
    [4],
    new BigInt64Array([0n, 0n, BigInt(shape.heads), BigInt(headSize)]),
  );
  const mergeShape = graph.constant(
    `${name}.merge_shape`,
    [3],
    new BigInt64Array([0n, 0n, BigInt(shape.hidden)]),
  );
  const heads = (projection: string, perm: number[]) =>
    graph.op('Transpose', [graph.op('Reshape', [projection, splitShape])], {
      perm: { ints: perm },
    });
  const query = heads(
    graph.linear(`${name}.query`, input, shape.hidden, shape.hidden),
    [0, 2, 1, 3],
  );
  const key = heads(graph.linear(`${name}.key`, input, shape.hidden, shape.hidden), [0, 2, 3, 1]);
  const value = heads(
    graph.linear(`${name}.value`, input, shape.hidden, shape.hidden),
    [0, 2, 1, 3],
  );
  const scale = graph.constant(`${name}.scale`, [], new Float32Array([1 / Math.sqrt(headSize)]));
  let scores = graph.op('Mul', [graph.op('MatMul', [query, key]), scale]);
  if (maskBias !== undefined) scores = graph.op('Add', [scores, maskBias]);
  const probabilities = graph.op('Softmax', [scores], { axis: { int: -1 } });
  const context = graph.op('Transpose', [graph.op('MatMul', [probabilities, value])], {
    perm: { ints: [0, 2, 1, 3] },
  });
  const merged = graph.op('Reshape', [context, mergeShape]);
  return graph.linear(`${name}.output`, merged, shape.hidden, shape.hidden);
}

function feedForward(
  graph: GraphBuilder,
  name: string,
  input: string,
  shape: EncoderShape,
): string {
  const inner = gelu(
    graph,
    graph.linear(`${name}.intermediate`, input, shape.hidden, shape.intermediate),
  );
  return graph.linear(`${name}.output`, inner, shape.intermediate, shape.hidden);
}

/**
 * One encoder layer. `postNorm` (BERT): x = LN(x + attn(x)); x = LN(x + ffn(x)).
 * Pre-norm (ViT): x = x + attn(LN(x)); x = x + ffn(LN(x)).
 */
export function encoderLayer(
  graph: GraphBuilder,
  name: string,
  input: string,
  shape: EncoderShape,
  options: { postNorm: boolean; maskBias?: string },
): string {
  const { hidden, epsilon } = shape;
  if (options.postNorm) {
    const attended = graph.op('Add', [
      selfAttention(graph, `${name}.attention`, input, shape, options.maskBias),
      input,
    ]);
    const normed = layerNorm(graph, `${name}.attention.norm`, attended, hidden, epsilon);
    const fed = graph.op('Add', [feedForward(graph, `${name}.mlp`, normed, shape), normed]);
    return layerNorm(graph, `${name}.mlp.norm`, fed, hidden, epsilon);
  }
  const attended = graph.op('Add', [
    input,
    selfAttention(
      graph,
      `${name}.attention`,
      layerNorm(graph, `${name}.attention.norm`, input, hidden, epsilon),
      shape,
      options.maskBias,
    ),
  ]);
  return graph.op('Add', [
    attended,
    feedForward(
      graph,
      `${name}.mlp`,
      layerNorm(graph, `${name}.mlp.norm`, attended, hidden, epsilon),
      shape,
    ),
  ]);
}
