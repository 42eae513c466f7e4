import type {
  OnnxAttribute,
  OnnxGraph,
  OnnxInitializer,
  OnnxTensorData,
  OnnxValueInfo,
} from 'jina-clip-runtime/testing';
import { createSeededRandom } from '../workloads/seeded-random.js';

/** Weight precision of a stand-in graph: fp32 everywhere, or int8 linear layers (q8). */
export type StandInDtype = 'fp32' | 'q8';

/**
 * Accumulates the nodes and initializers of one ONNX graph with generated, unique value names,
 * so the architecture files read like the model code they imitate.
 */
export interface GraphBuilder {
  /** Adds one node and returns the names of its outputs. */
  node(
    opType: string,
    inputs: readonly string[],
    attributes?: Readonly<Record<string, OnnxAttribute>>,
    outputCount?: number,
  ): string[];
  /** Adds one node with a single output and returns its name. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes?: Readonly<Record<string, OnnxAttribute>>,
  ): string;
  /** A constant tensor (shapes, axes, scalars). */
  constant(name: string, dims: readonly number[], data: OnnxTensorData): string;
  /** A random weight, uniform with standard deviation `std` (BERT's initialiser uses 0.02). */
  weight(name: string, dims: readonly number[], std: number): string;
  /** A weight filled with one value (LayerNorm gains and biases). */
  filled(name: string, dims: readonly number[], value: number): string;
  /**
   * A dense layer `x @ W + b` (W is [inputs, outputs]); with dtype q8 as onnxruntime's
   * `quantize_dynamic` writes it: DynamicQuantizeLinear, MatMulInteger with an int8 weight, Cast,
   * scale, bias (onnxruntime fuses this into one DynamicQuantizeMatMul kernel).
   */
  linear(name: string, input: string, inputs: number, outputs: number, bias?: boolean): string;
  /** Renames the value `value` (a node output) to the graph output name `name`. */
  nameOutput(value: string, name: string): void;
  /** Finishes the graph. */
  build(inputs: readonly OnnxValueInfo[], outputs: readonly OnnxValueInfo[]): OnnxGraph;
}

function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, dim) => product * dim, 1);
}

/** Creates a builder whose random weights come from `seed`. */
export function createGraphBuilder(name: string, seed: number, dtype: StandInDtype): GraphBuilder {
  const random = createSeededRandom(seed);
  const nodes: OnnxGraph['nodes'][number][] = [];
  const initializers: OnnxInitializer[] = [];
  let counter = 0;

  const node: GraphBuilder['node'] = (opType, inputs, attributes, outputCount = 1) => {
    const index = counter++;
    const outputs = Array.from({ length: outputCount }, (_, output) =>
      outputCount === 1 ? `${opType}_${index}` : `${opType}_${index}_${output}`,
    );
    nodes.push({ opType, inputs, outputs, name: `${opType}_${index}`, attributes });
    return outputs;
  };
  const op: GraphBuilder['op'] = (opType, inputs, attributes) =>
    node(opType, inputs, attributes)[0]!;
  const constant: GraphBuilder['constant'] = (constantName, dims, data) => {
    initializers.push({ name: constantName, dims, data });
    return constantName;
  };
  const weight: GraphBuilder['weight'] = (weightName, dims, std) => {
    const data = new Float32Array(elementCount(dims));
    const range = std * Math.sqrt(3); // uniform(-a, a) has standard deviation a / sqrt(3)
    for (let index = 0; index < data.length; index++) data[index] = (random.next() * 2 - 1) * range;
    return constant(weightName, dims, data);
  };
  const filled: GraphBuilder['filled'] = (filledName, dims, value) =>
    constant(filledName, dims, new Float32Array(elementCount(dims)).fill(value));

  const quantizedMatMul = (weightName: string, input: string, inputs: number, outputs: number) => {
    const values = new Int8Array(inputs * outputs);
    for (let index = 0; index < values.length; index++) {
      values[index] = Math.round((random.next() * 2 - 1) * 127);
    }
    // Chosen so the dequantised weight has the fp32 graph's standard deviation 0.02.
    const scale = (0.02 * Math.sqrt(3)) / 127;
    const quantized = constant(`${weightName}_quantized`, [inputs, outputs], values);
    const weightZeroPoint = constant(`${weightName}_zero_point`, [], new Int8Array([0]));
    const weightScale = constant(`${weightName}_scale`, [], new Float32Array([scale]));
    const [activation, activationScale, activationZeroPoint] = node(
      'DynamicQuantizeLinear',
      [input],
      undefined,
      3,
    ) as [string, string, string];
    const product = op('MatMulInteger', [
      activation,
      quantized,
      activationZeroPoint,
      weightZeroPoint,
    ]);
    const asFloat = op('Cast', [product], { to: { int: 1 } });
    const combinedScale = op('Mul', [activationScale, weightScale]);
    return op('Mul', [asFloat, combinedScale]);
  };

  const linear: GraphBuilder['linear'] = (linearName, input, inputs, outputs, bias = true) => {
    const product =
      dtype === 'q8'
        ? quantizedMatMul(`${linearName}.weight`, input, inputs, outputs)
        : op('MatMul', [input, weight(`${linearName}.weight`, [inputs, outputs], 0.02)]);
    if (!bias) return product;
    return op('Add', [product, weight(`${linearName}.bias`, [outputs], 0.02)]);
  };

  const nameOutput: GraphBuilder['nameOutput'] = (value, outputName) => {
    for (const [index, existing] of nodes.entries()) {
      if (existing.outputs.includes(value)) {
        nodes[index] = {
          ...existing,
          outputs: existing.outputs.map((output) => (output === value ? outputName : output)),
        };
      }
    }
  };

  return {
    node,
    nameOutput,
    op,
    constant,
    weight,
    filled,
    linear,
    build: (inputs, outputs) => ({ name, inputs, outputs, initializers, nodes }),
  };
}
