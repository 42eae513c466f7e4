import type { InferenceSession, OnnxValue, Tensor } from 'onnxruntime-node';
import { ModelLoadError } from '../errors/model-load-error.js';
import { importOptionalPeer } from '../optional-peer.js';
import {
  createOnnxSession,
  type OnnxSessionOptions,
  onnxSessionStatistics,
} from './create-onnx-session.js';
import type { TokenBatch } from './text-batches.js';

type OnnxRuntime = typeof import('onnxruntime-node');

/** A graph file of the repository and where it is on disk. */
export interface GraphFile {
  /** Repository path (`onnx/text_model.onnx`), for messages. */
  file: string;
  path: string;
}

/** What {@link createClipGraphs} needs to open and feed the graphs. */
export interface ClipGraphsOptions {
  /** The graph that reads `input_ids`. */
  text: GraphFile;
  /** The graph that reads `pixel_values`: the same file as `text` for a combined export. */
  vision: GraphFile;
  session: OnnxSessionOptions;
  /** Side of `pixel_values` the preprocessing produces. */
  imageSize: number;
  /** Token ids fed as the "absent" text of an image run, where one graph reads both inputs. */
  placeholderTokenIds: readonly number[];
}

/** The model's towers, opened on first use. Outputs are the graphs' raw (unnormalised) vectors. */
export interface ClipGraphs {
  /** One vector per row of the batch, in row order. */
  embedTexts(batch: TokenBatch): Promise<Float32Array[]>;
  /** One vector per image of the NCHW batch `pixelValues` holding `count` images. */
  embedImages(pixelValues: Float32Array, count: number): Promise<Float32Array[]>;
  /** The embedding width the text graph declares, opening it if needed; undefined when symbolic. */
  declaredWidth(): Promise<number | undefined>;
  /** Releases the sessions opened so far. */
  release(): Promise<void>;
}

/** Output names of the two exports: jina-clip-v1's towers, then jina-clip-v2's combined graph. */
const TEXT_OUTPUTS = ['text_embeds', 'text_embeddings'];
const IMAGE_OUTPUTS = ['image_embeds', 'image_embeddings'];
const KNOWN_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids', 'pixel_values'];

/** A session opened once, on first use; a failed opening is tried again by the next call. */
interface LazySession {
  get(): Promise<OpenedGraph>;
  release(): Promise<void>;
}

/** An opened graph with the names it was checked to have. */
interface OpenedGraph {
  session: InferenceSession;
  file: string;
  textOutput: string | undefined;
  imageOutput: string | undefined;
}

function outputWidth(session: InferenceSession, output: string): number | undefined {
  const metadata = session.outputMetadata.find((entry) => entry.name === output);
  const last = metadata?.isTensor ? metadata.shape.at(-1) : undefined;
  return typeof last === 'number' ? last : undefined;
}

/** Checks a graph's inputs and outputs against what the backend feeds and reads. */
function checkGraph(session: InferenceSession, file: string, imageSize: number): OpenedGraph {
  const unknown = session.inputNames.filter((name) => !KNOWN_INPUTS.includes(name));
  if (unknown.length > 0) {
    throw new ModelLoadError(
      `${file} has inputs this backend cannot feed (${unknown.join(', ')}); it feeds ${KNOWN_INPUTS.join(', ')}.`,
      { file },
    );
  }
  const textOutput = TEXT_OUTPUTS.find((name) => session.outputNames.includes(name));
  const imageOutput = IMAGE_OUTPUTS.find((name) => session.outputNames.includes(name));
  if (textOutput === undefined && imageOutput === undefined) {
    throw new ModelLoadError(
      `${file} has none of the outputs ${[...TEXT_OUTPUTS, ...IMAGE_OUTPUTS].join(', ')} (it has ${session.outputNames.join(', ')}).`,
      { file },
    );
  }
  const pixels = session.inputMetadata.find((entry) => entry.name === 'pixel_values');
  const side = pixels?.isTensor ? pixels.shape.at(-1) : undefined;
  if (typeof side === 'number' && side !== imageSize) {
    throw new ModelLoadError(
      `${file} takes ${side} px images but preprocessor_config.json resizes them to ${imageSize} px.`,
      { file },
    );
  }
  return { session, file, textOutput, imageOutput };
}

function lazySession(graph: GraphFile, options: ClipGraphsOptions): LazySession {
  let opening: Promise<OpenedGraph> | undefined;
  return {
    get() {
      opening ??= createOnnxSession(graph.path, graph.file, options.session)
        .then((session) => {
          try {
            return checkGraph(session, graph.file, options.imageSize);
          } catch (error) {
            void session.release();
            throw error;
          }
        })
        .catch((error: unknown) => {
          opening = undefined;
          throw error;
        });
      return opening;
    },
    async release() {
      const pending = opening;
      opening = undefined;
      if (pending === undefined) return;
      const opened = await pending.catch(() => undefined);
      if (opened === undefined) return;
      await opened.session.release();
      onnxSessionStatistics.released++;
    },
  };
}

/** Splits a [rows, width] float32 output into one vector per row. */
function rowsOf(value: OnnxValue | undefined, rows: number, graph: OpenedGraph, name: string) {
  const tensor = value as Tensor | undefined;
  if (tensor === undefined || tensor.type !== 'float32' || tensor.dims.length !== 2) {
    throw new ModelLoadError(
      `${graph.file}: output ${name} is not a [batch, width] float32 tensor.`,
      {
        file: graph.file,
      },
    );
  }
  const width = tensor.dims[1]!;
  const data = tensor.data as Float32Array;
  return Array.from({ length: rows }, (_, row) => data.slice(row * width, (row + 1) * width));
}

/**
 * Opens and runs the model's graphs: jina-clip-v1's two towers (`text_model` -> `text_embeds`,
 * `vision_model` -> `image_embeds`) or jina-clip-v2's one graph (`input_ids` and `pixel_values`
 * always both fed -> `text_embeddings`, `image_embeddings`). Each graph is fed exactly the inputs
 * its session lists: `attention_mask` only where the graph declares it (otherwise the graph
 * derives the mask from the pad id), zero `token_type_ids` where declared; for the modality a
 * call does not embed, an empty image batch ([0, 3, S, S]) or a one-row placeholder text.
 */
export async function createClipGraphs(options: ClipGraphsOptions): Promise<ClipGraphs> {
  const runtime = await importOptionalPeer<OnnxRuntime>('onnxruntime-node');
  const text = lazySession(options.text, options);
  const vision =
    options.vision.file === options.text.file ? text : lazySession(options.vision, options);
  const { imageSize } = options;

  const textTensors = (batch: TokenBatch) => {
    const dims = [batch.rows, batch.length];
    return {
      input_ids: new runtime.Tensor('int64', batch.inputIds, dims),
      attention_mask: new runtime.Tensor('int64', batch.attentionMask, dims),
      token_type_ids: new runtime.Tensor(
        'int64',
        new BigInt64Array(batch.rows * batch.length),
        dims,
      ),
    };
  };
  const placeholderText = () => {
    const ids = BigInt64Array.from(options.placeholderTokenIds.map(BigInt));
    return textTensors({
      inputIndices: [],
      rows: 1,
      length: ids.length,
      inputIds: ids,
      attentionMask: new BigInt64Array(ids.length).fill(1n),
    });
  };

  const run = async (
    graph: OpenedGraph,
    output: string,
    tensors: Record<string, Tensor>,
    rows: number,
  ): Promise<Float32Array[]> => {
    const feeds: Record<string, Tensor> = {};
    for (const name of graph.session.inputNames) feeds[name] = tensors[name]!;
    const result = await graph.session.run(feeds, [output]);
    return rowsOf(result[output], rows, graph, output);
  };

  return {
    async embedTexts(batch) {
      const graph = await text.get();
      if (graph.textOutput === undefined) {
        throw new ModelLoadError(
          `${graph.file} has no text output (${TEXT_OUTPUTS.join(' or ')}).`,
          {
            file: graph.file,
          },
        );
      }
      return run(
        graph,
        graph.textOutput,
        {
          ...textTensors(batch),
          pixel_values: new runtime.Tensor('float32', new Float32Array(0), [
            0,
            3,
            imageSize,
            imageSize,
          ]),
        },
        batch.rows,
      );
    },
    async embedImages(pixelValues, count) {
      const graph = await vision.get();
      if (graph.imageOutput === undefined) {
        throw new ModelLoadError(
          `${graph.file} has no image output (${IMAGE_OUTPUTS.join(' or ')}).`,
          {
            file: graph.file,
          },
        );
      }
      return run(
        graph,
        graph.imageOutput,
        {
          ...placeholderText(),
          pixel_values: new runtime.Tensor('float32', pixelValues, [
            count,
            3,
            imageSize,
            imageSize,
          ]),
        },
        count,
      );
    },
    async declaredWidth() {
      const graph = await text.get();
      return outputWidth(graph.session, graph.textOutput ?? graph.imageOutput!);
    },
    async release() {
      await Promise.all([text.release(), vision === text ? undefined : vision.release()]);
    },
  };
}
