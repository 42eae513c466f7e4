import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostedModelRun, HostedResult, HostedScenario } from '../hosted/hosted-suite.js';
import type { LocalResult } from '../local/local-suite.js';
import type { CallSizes, WorkloadRounds } from '../local/local-workloads.js';
import type { PreprocessSuiteResults } from '../preprocess/preprocess-suite.js';
import type { StandInDtype } from '../stand-in-models/graph-builder.js';
import type { MachineInfo } from './machine-info.js';
import type { FloatJsonReference, Ratio } from './targets.js';

/** Spread of the text corpus's token counts. */
export interface TokenStats {
  min: number;
  median: number;
  mean: number;
  p95: number;
  max: number;
}

/** `local-backend.json`: the local backend benchmark. */
export interface LocalBenchResults {
  kind: 'local';
  /** `full` or `smoke`. */
  name: string;
  date: string;
  machine: MachineInfo;
  config: {
    threads: number;
    batchSize: number;
    callSizes: CallSizes;
    rounds: WorkloadRounds;
    dtypes: StandInDtype[];
    standIn: {
      size: string;
      textParameters: number;
      visionParameters: number;
      fileBytes: Record<string, number>;
    };
    corpus: { texts: number; tokens: TokenStats };
    photos: { count: number; sizes: string[]; bytes: number };
    mixed: { texts: number; photos: number };
  };
  results: LocalResult[];
  ratios: Ratio[];
}

/** `hosted-client.json`: the hosted client benchmark. */
export interface HostedBenchResults {
  kind: 'hosted';
  name: string;
  date: string;
  machine: MachineInfo;
  scenario: HostedScenario;
  config: {
    texts: number;
    images: number;
    models: string[];
    runs: HostedModelRun[];
    configurations: Record<string, string>;
  };
  floatJson: FloatJsonReference;
  results: HostedResult[];
  ratios: Ratio[];
}

/** `image-preprocessing.json`: preprocessing alone, against Pillow, and its scaling. */
export interface PreprocessBenchResults extends PreprocessSuiteResults {
  kind: 'preprocess';
  name: string;
  date: string;
  machine: MachineInfo;
  ratios: Ratio[];
}

/** File names of the results in a results folder. */
export const RESULT_FILES = {
  local: 'local-backend.json',
  hosted: 'hosted-client.json',
  preprocess: 'image-preprocessing.json',
  readme: 'README.md',
  chart: 'ratios.svg',
} as const;

/** Writes one results file (pretty JSON; NaN becomes null). */
export async function writeResults(
  folder: string,
  results: LocalBenchResults | HostedBenchResults | PreprocessBenchResults,
): Promise<string> {
  await mkdir(folder, { recursive: true });
  const path = join(folder, RESULT_FILES[results.kind]);
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}

/** Reads the results files present in a folder. */
export async function readResults(folder: string): Promise<{
  local?: LocalBenchResults;
  hosted?: HostedBenchResults;
  preprocess?: PreprocessBenchResults;
}> {
  const read = async <T>(file: string): Promise<T | undefined> => {
    const path = join(folder, file);
    return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as T) : undefined;
  };
  return {
    local: await read<LocalBenchResults>(RESULT_FILES.local),
    hosted: await read<HostedBenchResults>(RESULT_FILES.hosted),
    preprocess: await read<PreprocessBenchResults>(RESULT_FILES.preprocess),
  };
}
