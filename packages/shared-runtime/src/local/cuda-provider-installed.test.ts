import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type TinyModelRepo,
  writeTinyModelRepo,
} from '../testing/tiny-model-repo/write-tiny-model-repo.js';
import { cudaProviderInstalled } from './cuda-provider-installed.js';
import { runScriptInChild } from './run-script-in-child.test-helper.js';

let root: string;
let repo: TinyModelRepo;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cuda-provider-'));
  repo = await writeTinyModelRepo(join(root, 'repo'), { model: 'jina-clip-v1', imageSize: 32 });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe.runIf(process.platform === 'linux' && process.arch === 'x64')(
  'cudaProviderInstalled',
  () => {
    it("tells from onnxruntime-node's bin folder whether the CUDA provider library is there", async () => {
      const project = join(root, 'project');
      const packageFolder = join(project, 'node_modules', 'onnxruntime-node');
      const binaries = join(packageFolder, 'bin', 'napi-v6', 'linux', 'x64');
      await mkdir(join(packageFolder, 'dist'), { recursive: true });
      await mkdir(binaries, { recursive: true });
      await writeFile(
        join(packageFolder, 'package.json'),
        JSON.stringify({ name: 'onnxruntime-node', main: 'dist/index.js' }),
      );
      await writeFile(join(packageFolder, 'dist', 'index.js'), '');
      const from = pathToFileURL(join(project, 'consumer.js')).href;

      // No binding: not onnxruntime-node's layout, so it cannot tell.
      expect(cudaProviderInstalled(from)).toBeUndefined();
      await writeFile(join(binaries, 'onnxruntime_binding.node'), '');
      expect(cudaProviderInstalled(from)).toBe(false);
      await writeFile(join(binaries, 'libonnxruntime_providers_cuda.so'), '');
      expect(cudaProviderInstalled(from)).toBe(true);
      // Not installed at all.
      expect(cudaProviderInstalled(pathToFileURL(join(root, 'x.js')).href)).toBeUndefined();
    });

    it("device: 'auto' without the CUDA binaries runs on the CPU and prints nothing (no red onnxruntime line)", async () => {
      // This checkout installs onnxruntime-node with its CUDA download skipped (.npmrc).
      expect(cudaProviderInstalled()).toBe(false);
      const run = await runScriptInChild(
        `const { createLocalBackend } = await importSource('local/create-local-backend.ts');
const backend = createLocalBackend(${JSON.stringify({ modelPath: repo.directory, device: 'auto' })});
const { embeddings } = await backend.embed(['hello world']);
await backend.close();
console.log(embeddings[0].length);`,
        { directory: root, env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' }, timeoutMs: 60_000 },
      );
      expect(run.stdout.trim()).toBe('16');
      expect(run.stderr).toBe('');
    });
  },
);
