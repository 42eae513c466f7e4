import type { StandInDtype } from '../stand-in-models/graph-builder.js';

/** One input of a local workload: a text, or an image file's path. */
export type WorkItem = { text: string } | { image: string };

/** The local contenders, in the order they run and are reported. */
export const LOCAL_CONTENDERS = [
  'onnxruntime-floor',
  'jina-clip-runtime',
  'transformers.js',
  'transformers.js 4',
] as const;

/** A local contender's name. */
export type LocalContenderName = (typeof LOCAL_CONTENDERS)[number];

/** What every local contender is given: the same files, precision, threads and batch size. */
export interface LocalSetup {
  /** The stand-in repo folder (Hub layout). */
  modelPath: string;
  dtype: StandInDtype;
  /** Intra-op threads of every ONNX session. */
  threads: number;
  /** Inputs per inference batch. */
  batchSize: number;
  /** Which towers the workload needs (a contender loads only those). */
  modalities: { text: boolean; image: boolean };
}

/** A contender, constructed (sessions may load lazily on the first call). */
export interface LocalContender {
  /**
   * Untimed preparation before the first call (the floor builds all its tensors here).
   * `calls[0]` is the warm-up call, `calls[i]` the call later made with `callIndex` i.
   */
  prepare?(calls: readonly (readonly WorkItem[])[]): Promise<void>;
  /** Embeds one call's inputs and returns one vector per input, in input order. */
  embed(items: readonly WorkItem[], callIndex: number): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** True for a text item. */
export function isText(item: WorkItem): item is { text: string } {
  return 'text' in item;
}
