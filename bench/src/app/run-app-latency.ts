import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineInfo } from '../report/machine-info.js';
import {
  type AppQueryLatencyResults,
  appLatencyTable,
  measureAppQueryLatency,
} from './app-query-latency.js';

/** The file {@link runAppLatency} writes in the results folder. */
export const APP_LATENCY_FILE = 'app-latency.json';

/**
 * The app-latency piece of the bench: measures in a scratch folder, prints the table, and writes
 * {@link APP_LATENCY_FILE} to `out`.
 */
export async function runAppLatency(options: {
  cacheDir: string;
  out: string;
  /** @default 10000 */
  images?: number;
  log: (line: string) => void;
}): Promise<AppQueryLatencyResults> {
  const scratch = await mkdtemp(join(tmpdir(), 'jina-clip-bench-app-'));
  try {
    const results = await measureAppQueryLatency({
      ...(options.images === undefined ? {} : { images: options.images }),
      cacheDir: options.cacheDir,
      scratch,
      log: options.log,
    });
    options.log(appLatencyTable(results));
    await mkdir(options.out, { recursive: true });
    await writeFile(
      join(options.out, APP_LATENCY_FILE),
      `${JSON.stringify({ kind: 'app', date: new Date().toISOString(), machine: machineInfo(), ...results }, null, 2)}\n`,
    );
    return results;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
