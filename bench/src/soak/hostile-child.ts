/**
 * Entry of one hostile case's process: runs the case named by argv[2] with the context in
 * `JINA_CLIP_SOAK_CONTEXT`, and sends the parent its outcome, the longest event-loop stall and
 * the peak RSS. The parent caps its time and memory.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { JinaClipError } from 'jina-clip-runtime';
import { HOSTILE_CASES, type HostileContext } from './hostile-cases.js';

/** What a hostile case's process reports. */
export interface HostileChildReport {
  readonly outcome: 'resolved' | 'rejected';
  /** The error's class name (`ImageLoadError`), when it rejected. */
  readonly errorName?: string;
  /** True when what was thrown is one of the library's typed errors. */
  readonly typed?: boolean;
  /** The error's message, cut to 200 characters. */
  readonly message?: string;
  readonly elapsedMs: number;
  readonly longestStallMs: number;
  readonly peakRssMb: number;
}

const name = process.argv[2];
const hostileCase = HOSTILE_CASES.find((candidate) => candidate.name === name);
if (hostileCase === undefined) throw new Error(`No hostile case named ${name}`);
const context = JSON.parse(process.env.JINA_CLIP_SOAK_CONTEXT ?? '{}') as HostileContext;

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const started = performance.now();
let report: Omit<HostileChildReport, 'elapsedMs' | 'longestStallMs' | 'peakRssMb'>;
try {
  await hostileCase.run(context);
  report = { outcome: 'resolved' };
} catch (error) {
  const failure = error instanceof Error ? error : new Error(String(error));
  report = {
    outcome: 'rejected',
    errorName: failure.name,
    typed: JinaClipError.isInstance(error),
    message: failure.message.slice(0, 200),
  };
}
const elapsedMs = performance.now() - started;
delay.disable();
const full: HostileChildReport = {
  ...report,
  elapsedMs,
  longestStallMs: delay.max / 1e6,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
};
process.send!(full, () => process.exit(0));
