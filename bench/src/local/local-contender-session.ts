import { peakRssBytes } from '../measurement/peak-rss.js';
import type { StandInDtype } from '../stand-in-models/graph-builder.js';
import {
  isText,
  type LocalContender,
  type LocalContenderName,
  type LocalSetup,
  type WorkItem,
} from './local-contender.js';
import type { TransformersLibrary } from './transformers-js-contender.js';

/** Starts a contender in its process: construct, prepare (untimed), warm up. */
export interface LocalStartRequest {
  kind: 'local-start';
  contender: LocalContenderName;
  modelPath: string;
  dtype: StandInDtype;
  threads: number;
  batchSize: number;
  /** Embedded first, timed only as part of the session start. */
  warmup: WorkItem[];
  calls: WorkItem[][];
}

/** Runs call `index` of the started workload. */
export interface LocalCallRequest {
  kind: 'local-call';
  index: number;
}

/** Closes the contender and reports the process's peak RSS. */
export interface LocalFinishRequest {
  kind: 'local-finish';
}

/** A request to a local contender's process. */
export type LocalRequest = LocalStartRequest | LocalCallRequest | LocalFinishRequest;

/** The answer to {@link LocalCallRequest}: the call's duration and vectors (input order). */
export interface LocalCallResult {
  ms: number;
  vectors: Float32Array[];
}

/** Each contender's module is imported only in the process that runs it, so RSS stays its own. */
const FACTORIES: Record<LocalContenderName, (setup: LocalSetup) => Promise<LocalContender>> = {
  'onnxruntime-floor': async (setup) =>
    (await import('./onnxruntime-floor-contender.js')).createOnnxruntimeFloorContender(setup),
  'jina-clip-runtime': async (setup) =>
    (await import('./jina-clip-runtime-contender.js')).createJinaClipRuntimeContender(setup),
  'transformers.js': async (setup) =>
    (await import('./transformers-js-contender.js')).createTransformersJsContender(
      setup,
      await import('@huggingface/transformers'),
    ),
  'transformers.js 4': async (setup) =>
    (await import('./transformers-js-contender.js')).createTransformersJsContender(
      setup,
      // The same contender on transformers.js 4 (bench/package.json's npm alias); its exports
      // used here have 3.x's names and signatures.
      (await import('@huggingface/transformers-v4')) as unknown as TransformersLibrary,
    ),
};

let session: { contender: LocalContender; calls: WorkItem[][] } | undefined;

/**
 * Answers one request in the contender's own process. The parent drives several contenders
 * call by call, in turn, so a change in machine load touches them all alike.
 */
export async function handleLocalRequest(request: LocalRequest): Promise<unknown> {
  if (request.kind === 'local-start') {
    const all = [request.warmup, ...request.calls].flat();
    const setup: LocalSetup = {
      modelPath: request.modelPath,
      dtype: request.dtype,
      threads: request.threads,
      batchSize: request.batchSize,
      modalities: { text: all.some(isText), image: all.some((item) => !isText(item)) },
    };
    const constructing = performance.now();
    const contender = await FACTORIES[request.contender](setup);
    const constructedMs = performance.now() - constructing;
    await contender.prepare?.([request.warmup, ...request.calls]);
    const warming = performance.now();
    await contender.embed(request.warmup, 0);
    session = { contender, calls: request.calls };
    return { sessionStartMs: constructedMs + (performance.now() - warming) };
  }
  if (session === undefined) throw new Error('The contender was not started.');
  if (request.kind === 'local-call') {
    const call = session.calls[request.index];
    if (call === undefined) throw new Error(`No call ${request.index}.`);
    const started = performance.now();
    const vectors = await session.contender.embed(call, request.index + 1);
    const result: LocalCallResult = { ms: performance.now() - started, vectors };
    return result;
  }
  await session.contender.close();
  session = undefined;
  return { peakRssBytes: peakRssBytes() };
}
