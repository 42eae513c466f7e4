import { type LatencySummary, summariseLatencies } from '../measurement/latency-summary.js';
import { runInChild } from '../measurement/run-in-child.js';
import { type VectorAgreement, vectorAgreement } from '../measurement/vector-agreement.js';
import type { StandInDtype } from '../stand-in-models/graph-builder.js';
import type { LocalContenderName } from './local-contender.js';
import type { LocalWorkload } from './local-workloads.js';
import type { LocalRun, LocalTask } from './run-local-task.js';

/** Options of {@link runLocalSuite}. */
export interface LocalSuiteOptions {
  modelPath: string;
  dtypes: readonly StandInDtype[];
  workloads: readonly LocalWorkload[];
  contenders: readonly LocalContenderName[];
  threads: number;
  batchSize: number;
  log: (line: string) => void;
}

/** One contender on one workload at one precision. */
export interface LocalResult {
  workload: LocalWorkload['name'];
  dtype: StandInDtype;
  contender: LocalContenderName;
  texts: number;
  images: number;
  sessionStartMs: number;
  latency: LatencySummary;
  peakRssBytes: number;
  /** Cosine agreement with the floor's vectors for the same inputs. */
  agreementWithFloor: VectorAgreement | undefined;
  /** Why the contender produced no result, if it failed. */
  error?: string;
}

function failedResult(
  workload: LocalWorkload,
  dtype: StandInDtype,
  contender: LocalContenderName,
  error: unknown,
): LocalResult {
  return {
    workload: workload.name,
    dtype,
    contender,
    texts: workload.texts,
    images: workload.images,
    sessionStartMs: Number.NaN,
    latency: summariseLatencies([], 0),
    peakRssBytes: Number.NaN,
    agreementWithFloor: undefined,
    error: error instanceof Error ? error.message.slice(0, 400) : String(error),
  };
}

/**
 * Runs every contender on every workload at every precision, one child process each, one after
 * the other on the same files and thread count (contenders alternate per workload, so drift in
 * machine load touches all of them alike).
 */
export async function runLocalSuite(options: LocalSuiteOptions): Promise<LocalResult[]> {
  const results: LocalResult[] = [];
  for (const dtype of options.dtypes) {
    for (const workload of options.workloads) {
      let floorVectors: Float32Array[] | undefined;
      for (const contender of options.contenders) {
        const task: LocalTask = {
          kind: 'local',
          contender,
          workload: workload.name,
          modelPath: options.modelPath,
          dtype,
          threads: options.threads,
          batchSize: options.batchSize,
          warmup: workload.warmup,
          calls: workload.calls,
        };
        try {
          const run = await runInChild<LocalRun>(task);
          if (contender === 'onnxruntime-floor') floorVectors = run.vectors;
          const result: LocalResult = {
            workload: workload.name,
            dtype,
            contender,
            texts: workload.texts,
            images: workload.images,
            sessionStartMs: run.sessionStartMs,
            latency: summariseLatencies(run.callMs, run.inputs),
            peakRssBytes: run.peakRssBytes,
            agreementWithFloor:
              floorVectors === undefined ? undefined : vectorAgreement(floorVectors, run.vectors),
          };
          results.push(result);
          options.log(
            `  ${dtype} ${workload.name.padEnd(12)} ${contender.padEnd(18)} ` +
              `${result.latency.inputsPerSecond.toFixed(2).padStart(8)} inputs/s  ` +
              `p50 ${result.latency.p50Ms.toFixed(0)} ms  start ${result.sessionStartMs.toFixed(0)} ms  ` +
              `rss ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
          );
        } catch (error) {
          results.push(failedResult(workload, dtype, contender, error));
          options.log(`  ${dtype} ${workload.name} ${contender} FAILED: ${String(error)}`);
        }
      }
    }
  }
  return results;
}
