import { execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'pillow-timing.py');

/** Pillow's times on one row (best of the repeats, inside Python). */
export interface PillowRow {
  path: string;
  size: number;
  fullMs: number;
  draftMs: number;
  /** CPU time (Python's `process_time`) of the same runs, best of the repeats. */
  fullCpuMs: number;
  draftCpuMs: number;
}

/** Pillow's timings, or why there are none. */
export type PillowTimings =
  | { available: true; version: string; rows: PillowRow[] }
  | { available: false; reason: string };

/**
 * Python interpreters to try, in order: the one on PATH, then Debian's, which is where
 * `python3-pil` installs (a pyenv or venv python3 on PATH does not see it).
 */
const PYTHONS = ['python3', '/usr/bin/python3'];

async function pythonWithPillow(): Promise<string | undefined> {
  for (const python of PYTHONS) {
    try {
      await run(python, ['-c', 'import PIL']);
      return python;
    } catch {
      // Not this one.
    }
  }
  return undefined;
}

/**
 * A Python that imports Pillow: Debian's `python3-pil`, installed with apt-get when missing and
 * the bench runs as root. Otherwise why not: the bench then skips the Pillow rows.
 */
export async function ensurePillow(
  log: (line: string) => void,
): Promise<{ python: string } | { reason: string }> {
  const found = await pythonWithPillow();
  if (found !== undefined) return { python: found };
  if (process.getuid?.() !== 0) {
    return {
      reason: 'Pillow is not installed (apt-get install -y python3-pil) and the bench is not root',
    };
  }
  log('  installing python3-pil (apt-get)…');
  try {
    await run('apt-get', ['install', '-y', 'python3-pil'], { maxBuffer: 16 * 2 ** 20 });
  } catch (error) {
    return {
      reason: `apt-get install -y python3-pil failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    };
  }
  const installed = await pythonWithPillow();
  return installed === undefined
    ? { reason: 'python3-pil installed but no python3 imports PIL' }
    : { python: installed };
}

/** Times Pillow's full and draft paths on each row, in one Python process. */
export async function timePillow(
  rows: readonly { path: string; size: number }[],
  runs: { repeats: number; warmUps: number },
  log: (line: string) => void,
): Promise<PillowTimings> {
  const pillow = await ensurePillow(log);
  if ('reason' in pillow) return { available: false, reason: pillow.reason };
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(pillow.python, [SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`pillow-timing.py exited with ${code}`)),
    );
    child.stdin.end(JSON.stringify({ rows, repeats: runs.repeats, warmUps: runs.warmUps }));
  });
  const parsed = JSON.parse(output) as { pillow: string; rows: PillowRow[] };
  return { available: true, version: parsed.pillow, rows: parsed.rows };
}
