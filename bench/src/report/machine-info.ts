import { existsSync, readFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where and with what a run was measured. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** Installed versions of the packages measured and the ones they run on. */
  versions: Record<string, string>;
}

const BENCH_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Packages whose versions the report names. */
const REPORTED_PACKAGES = [
  'jina-clip-runtime',
  'langchain-jina-clip',
  'llamaindex-jina-clip',
  'jina-clip-ai-provider',
  'ai',
  'onnxruntime-node',
  '@huggingface/transformers',
  '@huggingface/transformers-v4',
  '@huggingface/tokenizers',
  'sharp',
  'undici',
  '@langchain/community',
  '@langchain/core',
  '@llamaindex/jinaai',
  '@llamaindex/core',
] as const;

/** The version installed where the bench resolves it (its own node_modules, then the root's). */
function installedVersion(name: string): string {
  for (const folder of [join(BENCH_ROOT, 'node_modules'), join(BENCH_ROOT, '..', 'node_modules')]) {
    const path = join(folder, name, 'package.json');
    if (existsSync(path))
      return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  }
  return 'not installed';
}

/** Describes this machine and the installed versions. */
export function machineInfo(): MachineInfo {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    versions: Object.fromEntries(REPORTED_PACKAGES.map((name) => [name, installedVersion(name)])),
  };
}
