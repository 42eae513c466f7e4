import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { encodeOnnxModel, type OnnxGraph, writeOnnxModel } from './onnx-model-writer.js';

const { onnx } = onnxProto;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'onnx-writer-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const bytesOf = (array: Float32Array | BigInt64Array | Int32Array) =>
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

/**
 * A serialised model as plain JSON-like values (int64 as numbers, bytes as number arrays, enums
 * as names, absent fields as their defaults), so a test can compare it as a whole.
 */
function decodeModel(bytes: Uint8Array) {
  return onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), {
    longs: Number,
    bytes: Array,
    enums: String,
    defaults: true,
    arrays: true,
  });
}

/** Byte equality of large arrays (a deep `toEqual` walks them element by element, slowly). */
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

/** y = Gather(table, ids) * scale + bias, with `table` 2 MiB so it is stored aligned. */
function sampleGraph(): { graph: OnnxGraph; table: Float32Array; bias: Float32Array } {
  const rows = 8192;
  const table = new Float32Array(rows * 64).map((_, i) => (i % 977) / 977);
  const bias = new Float32Array(64).map((_, i) => i / 64);
  const graph: OnnxGraph = {
    name: 'sample',
    inputs: [{ name: 'ids', dtype: 'int64', shape: ['batch_size', 'sequence_length'] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['batch_size', 'sequence_length', 64] }],
    initializers: [
      { name: 'bias', dims: [64], data: bias },
      { name: 'table', dims: [rows, 64], data: table },
      { name: 'scale', dims: [], data: new Float32Array([2]) },
      { name: 'unused_int32', dims: [3], data: new Int32Array([1, -2, 3]) },
    ],
    nodes: [
      {
        opType: 'Gather',
        inputs: ['table', 'ids'],
        outputs: ['rows'],
        attributes: { axis: { int: 0 } },
      },
      { opType: 'Mul', inputs: ['rows', 'scale'], outputs: ['scaled'] },
      { opType: 'Add', inputs: ['scaled', 'bias'], outputs: ['y'], name: 'add_bias' },
    ],
  };
  return { graph, table, bias };
}

describe('encodeOnnxModel', () => {
  it('writes opset 17 / IR 8, typed inputs with symbolic and fixed dims, raw little-endian initializers and typed attributes', async () => {
    const { model, externalData } = await encodeOnnxModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: ['batch_size', 3, 'sequence_length'] }],
      outputs: [{ name: 'y', dtype: 'int64', shape: ['batch_size'] }],
      initializers: [
        { name: 'w', dims: [2], data: new Float32Array([1.5, -2]) },
        { name: 'k', dims: [2], data: BigInt64Array.from([7n, -1n]) },
      ],
      nodes: [
        {
          opType: 'Custom',
          inputs: ['x'],
          outputs: ['y'],
          domain: 'test.domain',
          attributes: {
            count: { int: 3 },
            ratio: { float: 0.25 },
            sizes: { ints: [1, 2] },
            weights: { floats: [0.5, 1] },
            mode: { string: 'mean' },
            labels: { strings: ['a', 'b'] },
            value: { tensor: { name: 'v', dims: [1], data: new Int32Array([9]) } },
          },
        },
      ],
    });
    expect(externalData).toBeUndefined();
    const decoded = decodeModel(model);
    expect(decoded.irVersion).toBe(8);
    expect(decoded.opsetImport).toEqual([{ domain: '', version: 17 }]);
    const [input] = decoded.graph.input;
    expect(input.type.tensorType.elemType).toBe(1);
    expect(input.type.tensorType.shape.dim).toMatchObject([
      { dimParam: 'batch_size' },
      { dimValue: 3 },
      { dimParam: 'sequence_length' },
    ]);
    expect(decoded.graph.output[0].type.tensorType.elemType).toBe(7);
    const [w, k] = decoded.graph.initializer;
    expect(w).toMatchObject({ name: 'w', dims: [2], dataType: 1 });
    expect(w.rawData).toEqual(Array.from(bytesOf(new Float32Array([1.5, -2]))));
    expect(k).toMatchObject({ name: 'k', dims: [2], dataType: 7 });
    expect(k.rawData).toEqual(Array.from(bytesOf(BigInt64Array.from([7n, -1n]))));
    const [node] = decoded.graph.node;
    expect(node).toMatchObject({ opType: 'Custom', domain: 'test.domain', name: 'Custom_0' });
    const attributes: Record<string, { s: number[]; strings: number[][]; t: unknown }> =
      Object.fromEntries(
        (node.attribute as { name: string; s: number[]; strings: number[][]; t: unknown }[]).map(
          (attribute) => [attribute.name, attribute],
        ),
      );
    const text = (bytes: number[]) => new TextDecoder().decode(new Uint8Array(bytes));
    expect(attributes.count).toMatchObject({ type: 'INT', i: 3 });
    expect(attributes.ratio).toMatchObject({ type: 'FLOAT', f: 0.25 });
    expect(attributes.sizes).toMatchObject({ type: 'INTS', ints: [1, 2] });
    expect(attributes.weights).toMatchObject({ type: 'FLOATS', floats: [0.5, 1] });
    expect(attributes.mode).toMatchObject({ type: 'STRING' });
    expect(text(attributes.mode!.s)).toBe('mean');
    expect(attributes.labels).toMatchObject({ type: 'STRINGS' });
    expect(attributes.labels!.strings.map(text)).toEqual(['a', 'b']);
    expect(attributes.value).toMatchObject({ type: 'TENSOR' });
    expect(attributes.value!.t).toMatchObject({ name: 'v', dataType: 6, rawData: [9, 0, 0, 0] });
  });

  it('stores initializers above the threshold externally: location, offset, length, EXTERNAL, large ones 64 KiB aligned', async () => {
    const { graph, table, bias } = sampleGraph();
    const { model, externalData } = await encodeOnnxModel(graph, {
      externalData: { location: 'sample.onnx_data', threshold: 128 },
    });
    const initializers = decodeModel(model).graph.initializer as {
      name: string;
      dataType: number;
      dataLocation: string;
      rawData: number[];
      externalData: { key: string; value: string }[];
    }[];
    const tensor = (name: string) => initializers.find((initializer) => initializer.name === name)!;
    const entries = (name: string) =>
      Object.fromEntries(tensor(name).externalData.map((entry) => [entry.key, entry.value]));
    expect(entries('bias')).toEqual({ location: 'sample.onnx_data', offset: '0', length: '256' });
    // 2 MiB: starts at the next 64 KiB boundary, as onnx.save_model aligns large tensors.
    expect(entries('table')).toEqual({
      location: 'sample.onnx_data',
      offset: '65536',
      length: String(table.byteLength),
    });
    expect(tensor('table')).toMatchObject({ dataLocation: 'EXTERNAL', rawData: [] });
    // Below the threshold: inline.
    expect(tensor('scale')).toMatchObject({
      dataLocation: 'DEFAULT',
      externalData: [],
      rawData: Array.from(bytesOf(new Float32Array([2]))),
    });
    expect(tensor('unused_int32').dataType).toBe(6);

    expect(externalData!.length).toBe(65536 + table.byteLength);
    expect(sameBytes(externalData!.subarray(0, 256), bytesOf(bias))).toBe(true);
    expect(sameBytes(externalData!.subarray(256, 65536), new Uint8Array(65536 - 256))).toBe(true);
    expect(sameBytes(externalData!.subarray(65536), bytesOf(table))).toBe(true);
  });

  it('rejects an initializer whose dims do not match its data', async () => {
    const error = await encodeOnnxModel({
      inputs: [],
      outputs: [],
      nodes: [],
      initializers: [{ name: 'w', dims: [2, 3], data: new Float32Array(5) }],
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'initializers' });
  });
});

describe('writeOnnxModel', () => {
  it('writes the graph and its external weights beside it, and onnxruntime runs it', async () => {
    const { graph, table, bias } = sampleGraph();
    const modelPath = join(root, 'sample.onnx');
    const written = await writeOnnxModel(modelPath, graph, {
      externalData: { location: 'sample.onnx_data' },
    });
    const encoded = await encodeOnnxModel(graph, {
      externalData: { location: 'sample.onnx_data' },
    });
    expect(written).toEqual({
      modelPath,
      modelBytes: encoded.model.length,
      externalDataPath: join(root, 'sample.onnx_data'),
      externalDataBytes: encoded.externalData!.length,
    });
    expect(sameBytes(await readFile(modelPath), encoded.model)).toBe(true);
    expect(sameBytes(await readFile(join(root, 'sample.onnx_data')), encoded.externalData!)).toBe(
      true,
    );

    const session = await ort.InferenceSession.create(modelPath);
    expect(session.inputMetadata[0]).toMatchObject({
      name: 'ids',
      type: 'int64',
      shape: ['batch_size', 'sequence_length'],
    });
    const result = await session.run({
      ids: new ort.Tensor('int64', BigInt64Array.from([5n, 8191n]), [1, 2]),
    });
    const y = result.y!.data as Float32Array;
    expect(result.y!.dims).toEqual([1, 2, 64]);
    for (const [position, row] of [
      [0, 5],
      [1, 8191],
    ] as const) {
      for (let column = 0; column < 64; column++) {
        expect(y[position * 64 + column]).toBe(
          Math.fround(table[row * 64 + column]! * 2 + bias[column]!),
        );
      }
    }
    await session.release();
  });
});
