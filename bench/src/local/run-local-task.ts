import { peakRssBytes } from '../measurement/peak-rss.js';
import type { StandInDtype } from '../stand-in-models/graph-builder.js';
import {
  isText,
  type LocalContender,
  type LocalContenderName,
  type LocalSetup,
  type WorkItem,
} from './local-contender.js';

/** What a child process is asked to run: one contender on one workload. */
export interface LocalTask {
  kind: 'local';
  contender: LocalContenderName;
  workload: string;
  modelPath: string;
  dtype: StandInDtype;
  threads: number;
  batchSize: number;
  /** Embedded first, untimed except as part of the session start. */
  warmup: WorkItem[];
  calls: WorkItem[][];
}

/** The raw measurements of one {@link LocalTask}. */
export interface LocalRun {
  contender: LocalContenderName;
  workload: string;
  dtype: StandInDtype;
  /** Construction plus the warm-up call: what a user waits for before the first vector. */
  sessionStartMs: number;
  callMs: number[];
  inputs: number;
  peakRssBytes: number;
  /** Every vector, in workload order. */
  vectors: Float32Array[];
}

/** Each contender's module is imported only in the process that runs it, so RSS stays its own. */
const FACTORIES: Record<LocalContenderName, (setup: LocalSetup) => Promise<LocalContender>> = {
  'onnxruntime-floor': async (setup) =>
    (await import('./onnxruntime-floor-contender.js')).createOnnxruntimeFloorContender(setup),
  'jina-clip-runtime': async (setup) =>
    (await import('./jina-clip-runtime-contender.js')).createJinaClipRuntimeContender(setup),
  'transformers.js': async (setup) =>
    (await import('./transformers-js-contender.js')).createTransformersJsContender(setup),
};

/** Runs one local task (in a child process of its own) and returns its measurements. */
export async function runLocalTask(task: LocalTask): Promise<LocalRun> {
  const all = [task.warmup, ...task.calls].flat();
  const setup: LocalSetup = {
    modelPath: task.modelPath,
    dtype: task.dtype,
    threads: task.threads,
    batchSize: task.batchSize,
    modalities: { text: all.some(isText), image: all.some((item) => !isText(item)) },
  };
  const constructing = performance.now();
  const contender = await FACTORIES[task.contender](setup);
  const constructedMs = performance.now() - constructing;
  await contender.prepare?.([task.warmup, ...task.calls]);
  const warming = performance.now();
  await contender.embed(task.warmup, 0);
  const sessionStartMs = constructedMs + (performance.now() - warming);

  const callMs: number[] = [];
  const vectors: Float32Array[] = [];
  for (const [index, call] of task.calls.entries()) {
    const started = performance.now();
    const result = await contender.embed(call, index + 1);
    callMs.push(performance.now() - started);
    vectors.push(...result);
  }
  await contender.close();
  return {
    contender: task.contender,
    workload: task.workload,
    dtype: task.dtype,
    sessionStartMs,
    callMs,
    inputs: vectors.length,
    peakRssBytes: peakRssBytes(),
    vectors,
  };
}
