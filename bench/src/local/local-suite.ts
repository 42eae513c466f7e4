import { type LatencySummary, summariseLatencies } from '../measurement/latency-summary.js';
import { type ChildSession, startChild } from '../measurement/run-in-child.js';
import { type VectorAgreement, vectorAgreement } from '../measurement/vector-agreement.js';
import type { StandInDtype } from '../stand-in-models/graph-builder.js';
import type { LocalContenderName } from './local-contender.js';
import type { LocalCallResult, LocalStartRequest } from './local-contender-session.js';
import type { LocalWorkload } from './local-workloads.js';

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

/** One contender's process during a workload, and what it measured so far. */
interface Lane {
  contender: LocalContenderName;
  child: ChildSession;
  sessionStartMs: number;
  callMs: number[];
  vectors: Float32Array[];
  error?: unknown;
}

/**
 * Runs every contender on every workload at every precision. Per workload, each contender gets
 * its own process (its own heap and peak RSS), all are started, and then the calls are made in
 * turn: call 1 on each contender, call 2 on each (the first contender rotating), and so on, one
 * at a time, `rounds` times over, keeping each call's fastest time. A change in machine load
 * during the run thus touches every contender alike, which is what makes their ratios
 * meaningful on a shared machine.
 */
export async function runLocalSuite(options: LocalSuiteOptions): Promise<LocalResult[]> {
  const results: LocalResult[] = [];
  for (const dtype of options.dtypes) {
    for (const workload of options.workloads) {
      const lanes: Lane[] = [];
      for (const contender of options.contenders) {
        const lane: Lane = {
          contender,
          child: startChild(),
          sessionStartMs: Number.NaN,
          callMs: [],
          vectors: [],
        };
        lanes.push(lane);
        const start: LocalStartRequest = {
          kind: 'local-start',
          contender,
          modelPath: options.modelPath,
          dtype,
          threads: options.threads,
          batchSize: options.batchSize,
          warmup: workload.warmup,
          calls: workload.calls,
        };
        try {
          lane.sessionStartMs = (
            await lane.child.request<{ sessionStartMs: number }>(start)
          ).sessionStartMs;
        } catch (error) {
          lane.error = error;
        }
      }
      for (let round = 0; round < workload.rounds; round++) {
        for (const [index] of workload.calls.entries()) {
          for (let turn = 0; turn < lanes.length; turn++) {
            const lane = lanes[(index + round + turn) % lanes.length]!;
            if (lane.error !== undefined) continue;
            try {
              const call = await lane.child.request<LocalCallResult>({ kind: 'local-call', index });
              // The fastest of the rounds counts: interference only ever adds time.
              lane.callMs[index] = Math.min(
                lane.callMs[index] ?? Number.POSITIVE_INFINITY,
                call.ms,
              );
              if (round === 0) lane.vectors.push(...call.vectors);
            } catch (error) {
              lane.error = error;
            }
          }
        }
      }
      const floorVectors = lanes.find(
        (lane) => lane.contender === 'onnxruntime-floor' && lane.error === undefined,
      )?.vectors;
      for (const lane of lanes) {
        let peak = Number.NaN;
        if (lane.error === undefined) {
          try {
            peak = (await lane.child.request<{ peakRssBytes: number }>({ kind: 'local-finish' }))
              .peakRssBytes;
          } catch (error) {
            lane.error = error;
          }
        }
        await lane.child.close();
        if (lane.error !== undefined) {
          results.push(failedResult(workload, dtype, lane.contender, lane.error));
          options.log(
            `  ${dtype} ${workload.name} ${lane.contender} FAILED: ${String(lane.error)}`,
          );
          continue;
        }
        const result: LocalResult = {
          workload: workload.name,
          dtype,
          contender: lane.contender,
          texts: workload.texts,
          images: workload.images,
          sessionStartMs: lane.sessionStartMs,
          latency: summariseLatencies(lane.callMs, lane.vectors.length),
          peakRssBytes: peak,
          agreementWithFloor:
            floorVectors === undefined ? undefined : vectorAgreement(floorVectors, lane.vectors),
        };
        results.push(result);
        options.log(
          `  ${dtype} ${workload.name.padEnd(12)} ${lane.contender.padEnd(18)} ` +
            `${result.latency.inputsPerSecond.toFixed(2).padStart(8)} inputs/s  ` +
            `p50 ${result.latency.p50Ms.toFixed(0)} ms  start ${result.sessionStartMs.toFixed(0)} ms  ` +
            `rss ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
        );
      }
    }
  }
  return results;
}
