/** Throughput and per-call latency of one contender on one workload. */
export interface LatencySummary {
  /** Inputs embedded (texts plus images). */
  inputs: number;
  /** Calls made. */
  calls: number;
  /** Sum of the call durations. */
  totalMs: number;
  /** Inputs per second over {@link totalMs}. */
  inputsPerSecond: number;
  /** Median call duration. */
  p50Ms: number;
  /** 95th percentile call duration (nearest rank). */
  p95Ms: number;
}

/** The `fraction` quantile of `values` by the nearest-rank method (0.5: the median). */
export function quantile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1]!;
}

/** Summarises call durations (ms) over `inputs` embedded inputs. */
export function summariseLatencies(callMs: readonly number[], inputs: number): LatencySummary {
  const totalMs = callMs.reduce((sum, value) => sum + value, 0);
  return {
    inputs,
    calls: callMs.length,
    totalMs,
    inputsPerSecond: totalMs > 0 ? (inputs * 1000) / totalMs : 0,
    p50Ms: quantile(callMs, 0.5),
    p95Ms: quantile(callMs, 0.95),
  };
}
