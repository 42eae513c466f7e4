import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type TinyModelRepo,
  writeTinyModelRepo,
} from '../testing/tiny-model-repo/write-tiny-model-repo.js';
import { runScriptInChild } from './run-script-in-child.test-helper.js';

/**
 * onnxruntime-node 1.30 left `$TMPDIR/mat-debug-<pid>.log` beside its `~/.cache/Microsoft`
 * database; 1.31 writes only the database (its library no longer carries the `mat-debug-`
 * string). The tests run against the installed version and expect exactly its traces.
 */
const onnxruntimeVersion = (
  createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }
).version;
const [onnxMajor = 0, onnxMinor = 0] = onnxruntimeVersion.split('.').map(Number);
const writesDebugLog = onnxMajor === 1 && onnxMinor < 31;
const expectedTraces = writesDebugLog
  ? [expect.stringMatching(/^mat-debug-\d+\.log$/), 'Microsoft']
  : ['Microsoft'];

let root: string;
let repo: TinyModelRepo;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'onnx-telemetry-'));
  repo = await writeTinyModelRepo(join(root, 'repo'), { model: 'jina-clip-v1', imageSize: 32 });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/**
 * Variables by which onnxruntime's telemetry (1.30 and 1.31) recognises a CI machine and stays quiet (read
 * from its library's strings): the children run without them, so that the opt-in tests see what a
 * user's machine does, in CI as well.
 */
const CI_VARIABLES = [
  'CI',
  'TF_BUILD',
  'GITHUB_ACTIONS',
  'GITLAB_CI',
  'CIRCLECI',
  'TRAVIS',
  'JENKINS_URL',
  'CODEBUILD_BUILD_ID',
  'BUILDKITE',
  'TEAMCITY_VERSION',
  'APPVEYOR',
  'BITBUCKET_BUILD_NUMBER',
];

/** The environment without ORT_DISABLE_TELEMETRY or CI markers, with a fresh TMPDIR and HOME. */
async function freshEnvironment(name: string, extra: NodeJS.ProcessEnv = {}) {
  const home = join(root, name, 'home');
  const temporary = join(root, name, 'tmp');
  await mkdir(home, { recursive: true });
  await mkdir(temporary, { recursive: true });
  const environment: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['ORT_DISABLE_TELEMETRY', ...CI_VARIABLES]) delete environment[name];
  return { home, temporary, env: { ...environment, HOME: home, TMPDIR: temporary, ...extra } };
}

/** Embeds one text with a local backend in a child process; prints the vector's width. */
function embedInChild(
  directory: string,
  env: NodeJS.ProcessEnv,
  options: Record<string, unknown> = {},
) {
  return runScriptInChild(
    `const { createLocalBackend } = await importSource('local/create-local-backend.ts');
const backend = createLocalBackend(${JSON.stringify({ modelPath: repo.directory, ...options })});
const { embeddings } = await backend.embed(['hello world']);
await backend.close();
console.log(embeddings[0].length, process.env.ORT_DISABLE_TELEMETRY);`,
    { directory, env, timeoutMs: 60_000 },
  );
}

/** What onnxruntime's telemetry left: `mat-debug-*` files in TMPDIR, `.cache/Microsoft` in HOME. */
async function telemetryTraces(home: string, temporary: string): Promise<string[]> {
  const inTemporary = (await readdir(temporary)).filter((name) => name.startsWith('mat-debug-'));
  const cache = await readdir(join(home, '.cache')).catch(() => [] as string[]);
  return [...inTemporary, ...cache.filter((name) => name === 'Microsoft')];
}

describe('onnxruntime telemetry', () => {
  it('is off by default: no mat-debug file, no ~/.cache/Microsoft', async () => {
    const { home, temporary, env } = await freshEnvironment('default');
    const run = await embedInChild(root, env);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('16 1');
    expect(await telemetryTraces(home, temporary)).toEqual([]);
  });

  it('runs when the user opts in with onnxTelemetry: true (the default is what stops it)', async () => {
    const { home, temporary, env } = await freshEnvironment('opt-in');
    const run = await embedInChild(root, env, { onnxTelemetry: true });
    expect(run.stdout.trim()).toBe('16 undefined');
    expect(await telemetryTraces(home, temporary)).toEqual(expectedTraces);
  });

  it('respects an ORT_DISABLE_TELEMETRY already in the environment (0 keeps it on)', async () => {
    const { home, temporary, env } = await freshEnvironment('explicit', {
      ORT_DISABLE_TELEMETRY: '0',
    });
    const run = await embedInChild(root, env);
    expect(run.stdout.trim()).toBe('16 0');
    expect(await telemetryTraces(home, temporary)).toEqual(expectedTraces);
  });
});
