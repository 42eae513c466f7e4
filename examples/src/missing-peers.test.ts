/**
 * The local backend in a project that installed only what the api backend needs (the built
 * runtime and undici), as `npm install jina-clip-runtime` leaves it: a call names every optional
 * package it needs in one `ModelLoadError` with one install line, and needs only what its inputs
 * use (no tokenizer for images, no sharp for texts).
 *
 * Each case runs in a child node process in a temporary project outside this repository (so
 * nothing resolves through the repository's node_modules), whose node_modules holds a copy of
 * the runtime's `package.json` and `dist`, and links to exactly the packages the case installs.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { writeTestImages, writeTinyModelRepo } from 'jina-clip-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const required = createRequire(import.meta.url);
/** The folder of an installed package, as this workspace resolves it (through node_modules). */
function packageFolder(name: string): string {
  const folder = (required.resolve.paths(name) ?? [])
    .map((modules) => join(modules, name))
    .find((candidate) => existsSync(join(candidate, 'package.json')));
  if (folder === undefined) throw new Error(`${name} is not installed in this workspace.`);
  return realpathSync(folder);
}

let root: string;
let modelPath: string;
let imagePath: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'missing-peers-'));
  modelPath = (await writeTinyModelRepo(join(root, 'repo'), { model: 'jina-clip-v2' })).directory;
  const [red] = await writeTestImages({ red: [220, 30, 30] }, { directory: root });
  imagePath = red!.path;
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A project whose node_modules has the runtime, undici, and the `installed` peers. */
function project(name: string, installed: readonly string[]): string {
  const directory = join(root, name);
  const modules = join(directory, 'node_modules');
  const runtime = join(modules, 'jina-clip-runtime');
  mkdirSync(runtime, { recursive: true });
  const source = packageFolder('jina-clip-runtime');
  cpSync(join(source, 'package.json'), join(runtime, 'package.json'));
  cpSync(join(source, 'dist'), join(runtime, 'dist'), { recursive: true });
  for (const dependency of ['undici', ...installed]) {
    const link = join(modules, dependency);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(packageFolder(dependency), link, 'dir');
  }
  writeFileSync(join(directory, 'package.json'), '{ "type": "module" }\n');
  return directory;
}

interface Outcome {
  dimensions?: number[];
  name?: string;
  message?: string;
  packageName?: string;
  packageNames?: string[];
}

/** Embeds `inputs` with a local backend in a child process in `directory`; `load`: ESM or CJS. */
async function embedIn(
  directory: string,
  inputs: unknown[],
  load: 'import' | 'require' = 'import',
): Promise<Outcome> {
  const script = `
(async () => {
  const { createLocalBackend } = ${load === 'import' ? "await import('jina-clip-runtime/local')" : "require('jina-clip-runtime/local')"};
  const backend = createLocalBackend({ model: 'jina-clip-v2', modelPath: ${JSON.stringify(modelPath)} });
  try {
    const { embeddings } = await backend.embed(${JSON.stringify(inputs)});
    console.log(JSON.stringify({ dimensions: embeddings.map((vector) => vector.length) }));
  } catch (error) {
    const { name, message, packageName, packageNames } = error;
    console.log(JSON.stringify({ name, message, packageName, packageNames }));
  } finally {
    await backend.close();
  }
})();
`;
  const { stdout } = await run(
    process.execPath,
    [...(load === 'import' ? ['--input-type=module'] : ['--input-type=commonjs']), '-e', script],
    { cwd: directory, timeout: 60_000, env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' } },
  );
  return JSON.parse(stdout) as Outcome;
}

describe('a local call in a project without its optional packages', () => {
  it('names every package a mixed call needs in one error, with one CPU install line', async () => {
    const directory = project('api-only', []);
    for (const load of ['import', 'require'] as const) {
      expect(await embedIn(directory, ['a red bus', { image: imagePath }], load)).toEqual({
        name: 'ModelLoadError',
        message:
          'Packages this call needs are not installed: onnxruntime-node (running the local model), @huggingface/tokenizers (tokenizing texts for the local model), sharp (decoding and resizing images). Install them: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node @huggingface/tokenizers sharp',
        packageName: 'onnxruntime-node',
        packageNames: ['onnxruntime-node', '@huggingface/tokenizers', 'sharp'],
      });
    }
  });

  it('names only what a text-only or image-only call needs', async () => {
    const directory = project('api-only-by-kind', []);
    expect(await embedIn(directory, ['a red bus'])).toMatchObject({
      packageNames: ['onnxruntime-node', '@huggingface/tokenizers'],
    });
    expect(await embedIn(directory, [{ image: imagePath }])).toMatchObject({
      packageNames: ['onnxruntime-node', 'sharp'],
    });
  });

  it('embeds images without the tokenizer package, and names it for a text', async () => {
    const directory = project('no-tokenizer', ['onnxruntime-node', 'sharp']);
    expect(await embedIn(directory, [{ image: imagePath }])).toEqual({ dimensions: [16] });
    expect(await embedIn(directory, [{ image: imagePath }, 'a red bus'])).toEqual({
      name: 'ModelLoadError',
      message:
        '@huggingface/tokenizers is required for tokenizing texts for the local model. Install it: npm install @huggingface/tokenizers',
      packageName: '@huggingface/tokenizers',
      packageNames: ['@huggingface/tokenizers'],
    });
  });

  it('embeds texts without sharp', async () => {
    const directory = project('no-sharp', ['onnxruntime-node', '@huggingface/tokenizers']);
    expect(await embedIn(directory, ['a red bus'])).toEqual({ dimensions: [16] });
  });
});
