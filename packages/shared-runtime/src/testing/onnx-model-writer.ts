import { open, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type * as OnnxProto from 'onnx-proto';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { importOptionalPeer } from '../optional-peer.js';

type Onnx = typeof OnnxProto.onnx;

/** ONNX element types this writer can declare, by name, with their `TensorProto.DataType` code. */
export const ONNX_DTYPES = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
} as const;

/** An ONNX element type. */
export type OnnxDtype = keyof typeof ONNX_DTYPES;

/** A dimension: a fixed size, or a symbolic name (`'batch_size'`) for a dynamic axis. */
export type OnnxDimension = number | string;

/** A graph input or output: name, element type and shape. */
export interface OnnxValueInfo {
  name: string;
  dtype: OnnxDtype;
  shape: readonly OnnxDimension[];
}

/** The typed arrays an initializer may hold (`Uint16Array` carries float16 bit patterns). */
export type OnnxTensorData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int8Array
  | Uint8Array
  | Uint16Array;

/** A constant tensor of the graph (a weight). */
export interface OnnxInitializer {
  name: string;
  dims: readonly number[];
  data: OnnxTensorData;
  /**
   * Element type. @default inferred from the array: Float32Array float32, Float64Array float64,
   * BigInt64Array int64, Int32Array int32, Int8Array int8, Uint8Array uint8, Uint16Array float16
   */
  dtype?: OnnxDtype;
}

/** A node attribute, tagged with its ONNX type (a bare JS number could be an int or a float). */
export type OnnxAttribute =
  | { int: number }
  | { float: number }
  | { string: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { strings: readonly string[] }
  | { tensor: OnnxInitializer };

/** One operator of the graph. */
export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  /** @default `${opType}_${index}` */
  name?: string;
  /** Operator domain. @default '' (the default ONNX domain) */
  domain?: string;
  attributes?: Readonly<Record<string, OnnxAttribute>>;
}

/** A whole graph: what {@link encodeOnnxModel} and {@link writeOnnxModel} serialise. */
export interface OnnxGraph {
  /** @default 'graph' */
  name?: string;
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  initializers: readonly OnnxInitializer[];
  nodes: readonly OnnxNode[];
}

/** Where initializers go when they are stored outside the `.onnx` file. */
export interface OnnxExternalDataOptions {
  /** File name of the weights, relative to the model file (`model.onnx_data`). */
  location: string;
  /**
   * Initializers of at least this many bytes go to the external file; smaller ones stay inline,
   * as `onnx.save_model` does. Keep it above a few bytes: onnxruntime must read small constants
   * such as `axes` or shapes during shape inference, before external data is loaded.
   * @default 1024
   */
  threshold?: number;
}

/** Options of {@link encodeOnnxModel} and {@link writeOnnxModel}. */
export interface OnnxModelOptions {
  /** Default-domain opset. @default 17 */
  opsetVersion?: number;
  /** ONNX IR version (8 is the newest onnx-proto 8 knows; opset 17 needs at least 8). @default 8 */
  irVersion?: number;
  /** @default 'jina-clip-runtime' */
  producerName?: string;
  /** Store initializers in a separate file, as large exports on the Hub do. */
  externalData?: OnnxExternalDataOptions;
}

/** A serialised model: the `.onnx` bytes and, with external data, the weights file's bytes. */
export interface EncodedOnnxModel {
  model: Uint8Array;
  /** Present only when {@link OnnxModelOptions.externalData} was given. */
  externalData: Uint8Array | undefined;
}

/** Sizes of the files {@link writeOnnxModel} wrote. */
export interface WrittenOnnxModel {
  modelPath: string;
  modelBytes: number;
  /** Absolute path of the external weights file, when one was written. */
  externalDataPath: string | undefined;
  externalDataBytes: number;
}

/**
 * Tensors of at least this size start on a multiple of {@link EXTERNAL_DATA_ALIGNMENT} in the
 * external file, as `onnx.save_model` does, so onnxruntime can memory-map them.
 */
const ALIGN_THRESHOLD_BYTES = 1024 * 1024;
/** 64 KiB: the allocation granularity on Windows, a multiple of every Linux/macOS page size. */
const EXTERNAL_DATA_ALIGNMENT = 64 * 1024;

function inferDtype(initializer: OnnxInitializer): OnnxDtype {
  if (initializer.dtype !== undefined) return initializer.dtype;
  const { data } = initializer;
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  return 'float16';
}

/**
 * The tensor's bytes in ONNX's little-endian `raw_data` layout: a view of the array on
 * little-endian hosts (every platform Node ships on), a byte-swapped copy otherwise.
 */
function littleEndianBytes(data: OnnxTensorData): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bytesPerElement = data.BYTES_PER_ELEMENT;
  if (bytesPerElement === 1 || new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) return view;
  const swapped = new Uint8Array(view.length);
  for (let start = 0; start < view.length; start += bytesPerElement) {
    for (let byte = 0; byte < bytesPerElement; byte++) {
      swapped[start + byte] = view[start + bytesPerElement - 1 - byte]!;
    }
  }
  return swapped;
}

function checkInitializer(initializer: OnnxInitializer): void {
  const elements = initializer.dims.reduce((product, dim) => product * dim, 1);
  if (elements !== initializer.data.length) {
    throw new InvalidInputError(
      `Initializer "${initializer.name}" has dims [${initializer.dims.join(', ')}] (${elements} elements) but ${initializer.data.length} values.`,
      { field: 'initializers' },
    );
  }
}

/** Placement of one initializer in the external data file. */
interface ExternalPlacement {
  initializer: OnnxInitializer;
  bytes: Uint8Array;
  offset: number;
}

/** Decides which initializers go to the external file, and where; the layout both outputs share. */
function planExternalData(
  graph: OnnxGraph,
  externalData: OnnxExternalDataOptions | undefined,
): { placements: Map<string, ExternalPlacement>; size: number } {
  const placements = new Map<string, ExternalPlacement>();
  if (externalData === undefined) return { placements, size: 0 };
  const threshold = externalData.threshold ?? 1024;
  let size = 0;
  for (const initializer of graph.initializers) {
    const bytes = littleEndianBytes(initializer.data);
    if (bytes.length < threshold) continue;
    if (bytes.length >= ALIGN_THRESHOLD_BYTES) {
      size = Math.ceil(size / EXTERNAL_DATA_ALIGNMENT) * EXTERNAL_DATA_ALIGNMENT;
    }
    placements.set(initializer.name, { initializer, bytes, offset: size });
    size += bytes.length;
  }
  return { placements, size };
}

function tensorProto(
  initializer: OnnxInitializer,
  placement: ExternalPlacement | undefined,
  location: string | undefined,
): OnnxProto.onnx.ITensorProto {
  checkInitializer(initializer);
  const base = {
    name: initializer.name,
    dims: [...initializer.dims],
    dataType: ONNX_DTYPES[inferDtype(initializer)],
  };
  if (placement === undefined || location === undefined) {
    return { ...base, rawData: littleEndianBytes(initializer.data) };
  }
  return {
    ...base,
    dataLocation: 1, // TensorProto.DataLocation.EXTERNAL
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(placement.offset) },
      { key: 'length', value: String(placement.bytes.length) },
    ],
  };
}

function attributeProto(name: string, attribute: OnnxAttribute): OnnxProto.onnx.IAttributeProto {
  // AttributeProto.AttributeType codes.
  if ('int' in attribute) return { name, type: 2, i: attribute.int };
  if ('float' in attribute) return { name, type: 1, f: attribute.float };
  if ('string' in attribute) {
    return { name, type: 3, s: new TextEncoder().encode(attribute.string) };
  }
  if ('ints' in attribute) return { name, type: 7, ints: [...attribute.ints] };
  if ('floats' in attribute) return { name, type: 6, floats: [...attribute.floats] };
  if ('strings' in attribute) {
    return { name, type: 8, strings: attribute.strings.map((s) => new TextEncoder().encode(s)) };
  }
  return { name, type: 4, t: tensorProto(attribute.tensor, undefined, undefined) };
}

function valueInfoProto(value: OnnxValueInfo): OnnxProto.onnx.IValueInfoProto {
  return {
    name: value.name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPES[value.dtype],
        shape: {
          dim: value.shape.map((dim) =>
            typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim },
          ),
        },
      },
    },
  };
}

async function encodeModelProto(
  graph: OnnxGraph,
  options: OnnxModelOptions,
  placements: Map<string, ExternalPlacement>,
): Promise<Uint8Array> {
  const { onnx } = (await importOptionalPeer<{ default: { onnx: Onnx } }>('onnx-proto')).default;
  const location = options.externalData?.location;
  const model: OnnxProto.onnx.IModelProto = {
    irVersion: options.irVersion ?? 8,
    producerName: options.producerName ?? 'jina-clip-runtime',
    opsetImport: [{ domain: '', version: options.opsetVersion ?? 17 }],
    graph: {
      name: graph.name ?? 'graph',
      input: graph.inputs.map(valueInfoProto),
      output: graph.outputs.map(valueInfoProto),
      initializer: graph.initializers.map((initializer) =>
        tensorProto(initializer, placements.get(initializer.name), location),
      ),
      node: graph.nodes.map((node, index) => ({
        opType: node.opType,
        name: node.name ?? `${node.opType}_${index}`,
        domain: node.domain ?? '',
        input: [...node.inputs],
        output: [...node.outputs],
        attribute: Object.entries(node.attributes ?? {}).map(([name, attribute]) =>
          attributeProto(name, attribute),
        ),
      })),
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Serialises a graph to ONNX bytes in memory (for small models; {@link writeOnnxModel} streams
 * large external weights to disk instead). Uses `onnx-proto`, the ONNX schema compiled for
 * protobufjs, loaded on first use.
 */
export async function encodeOnnxModel(
  graph: OnnxGraph,
  options: OnnxModelOptions = {},
): Promise<EncodedOnnxModel> {
  const { placements, size } = planExternalData(graph, options.externalData);
  const model = await encodeModelProto(graph, options, placements);
  if (options.externalData === undefined) return { model, externalData: undefined };
  const externalData = new Uint8Array(size);
  for (const placement of placements.values()) externalData.set(placement.bytes, placement.offset);
  return { model, externalData };
}

/**
 * Writes a graph to `modelPath`, and with {@link OnnxModelOptions.externalData} its weights to
 * the named file beside it, tensor by tensor (never the whole file in memory at once).
 * The folder must exist.
 */
export async function writeOnnxModel(
  modelPath: string,
  graph: OnnxGraph,
  options: OnnxModelOptions = {},
): Promise<WrittenOnnxModel> {
  const { placements, size } = planExternalData(graph, options.externalData);
  const model = await encodeModelProto(graph, options, placements);
  let externalDataPath: string | undefined;
  if (options.externalData !== undefined) {
    externalDataPath = join(dirname(modelPath), options.externalData.location);
    const file = await open(externalDataPath, 'w');
    try {
      for (const placement of placements.values()) {
        await file.write(placement.bytes, 0, placement.bytes.length, placement.offset);
      }
      await file.truncate(size);
    } finally {
      await file.close();
    }
  }
  await writeFile(modelPath, model);
  return { modelPath, modelBytes: model.length, externalDataPath, externalDataBytes: size };
}
