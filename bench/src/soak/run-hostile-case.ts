import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostileContext } from './hostile-cases.js';
import type { HostileChildReport } from './hostile-child.js';

const CHILD_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), 'hostile-child.ts');

/** The caps a hostile case's process runs under. */
export interface HostileCaps {
  /** Wall-clock limit, in milliseconds. */
  readonly timeMs: number;
  /** Resident-set limit, in MiB, sampled every 50 ms by the parent. */
  readonly rssMb: number;
  /** V8's old-space limit, in MiB. */
  readonly heapMb: number;
}

/** A hostile case's outcome: the child's report, or why the parent killed it. */
export type HostileOutcome =
  | ({ readonly killed: false } & HostileChildReport)
  | {
      readonly killed: true;
      readonly reason: string;
      readonly elapsedMs: number;
      readonly peakRssMb: number;
    };

function residentMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match === null ? 0 : Number(match[1]) / 1024;
  } catch {
    return 0;
  }
}

/**
 * Runs one hostile case in its own Node process under a time, RSS and heap cap, so a case that
 * regresses fails its row instead of taking the run down.
 */
export function runHostileCase(
  name: string,
  context: HostileContext,
  caps: HostileCaps,
): Promise<HostileOutcome> {
  const started = performance.now();
  const child = fork(CHILD_ENTRY, [name], {
    execArgv: ['--import', 'tsx', `--max-old-space-size=${caps.heapMb}`],
    env: { ...process.env, JINA_CLIP_SOAK_CONTEXT: JSON.stringify(context) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  return new Promise((resolvePromise) => {
    let sampledPeak = 0;
    let report: HostileChildReport | undefined;
    let killReason: string | undefined;
    const kill = (reason: string) => {
      if (killReason !== undefined) return;
      killReason = reason;
      child.kill('SIGKILL');
    };
    const sampler = setInterval(() => {
      if (child.pid === undefined) return;
      const resident = residentMb(child.pid);
      sampledPeak = Math.max(sampledPeak, resident);
      if (resident > caps.rssMb) kill(`RSS over the ${caps.rssMb} MiB cap`);
    }, 50);
    const timer = setTimeout(
      () => kill(`still running after the ${caps.timeMs} ms cap`),
      caps.timeMs,
    );
    child.on('message', (message) => {
      report = message as HostileChildReport;
    });
    child.on('exit', (code, signal) => {
      clearInterval(sampler);
      clearTimeout(timer);
      const elapsedMs = performance.now() - started;
      if (report !== undefined) {
        resolvePromise({
          killed: false,
          ...report,
          peakRssMb: Math.max(report.peakRssMb, sampledPeak),
        });
        return;
      }
      const reason =
        killReason ??
        `exited (code ${code}, signal ${signal}) without a report: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
      resolvePromise({ killed: true, reason, elapsedMs, peakRssMb: sampledPeak });
    });
  });
}
