/**
 * The published declarations compile in a TypeScript consumer under each `moduleResolution` a
 * project may use, with `strict` on:
 * - `node10` (older `"moduleResolution": "node"` projects) resolves the runtime's `/local` and
 *   `/testing` subpaths through its `typesVersions`;
 * - `node16` and `bundler` resolve them through `exports`;
 * - with `skipLibCheck: false`, our own declarations have no errors. LlamaIndex's own
 *   declarations have some (they import `ajv` and `html-to-text` types they do not depend on):
 *   those are LlamaIndex's, so they are filtered out here, and the README says what a strict
 *   consumer needs.
 *
 * It runs `tsc` on a consumer file written into a temporary folder inside this workspace, so
 * that the packages resolve through node_modules to their built `dist` as a user's would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const examplesDirectory = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

const consumer = `
import { AuthenticationError, createApiBackend, type EmbeddingBackend } from 'jina-clip-runtime';
import { createLocalBackend } from 'jina-clip-runtime/local';
import {
  loopbackApiOptions,
  startJinaApiServer,
  writeTinyModelRepo,
} from 'jina-clip-runtime/testing';
import { JinaClipEmbeddings } from 'langchain-jina-clip';
import { JinaClipEmbedding } from 'llamaindex-jina-clip';

export async function quickStart(): Promise<number[][]> {
  const server = await startJinaApiServer();
  const backend: EmbeddingBackend = createApiBackend(loopbackApiOptions(server));
  const embeddings = new JinaClipEmbeddings({ backend });
  const embedding = new JinaClipEmbedding({ backend });
  const vectors = await embeddings.embedDocuments(['a red bus']);
  vectors.push(await embedding.getTextEmbedding('a red bus'));
  await server.close();
  return vectors;
}
export const names = [AuthenticationError, createLocalBackend, writeTinyModelRepo];
`;

let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(examplesDirectory, '.consumer-types-'));
  writeFileSync(join(directory, 'consumer.ts'), consumer);
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** The `tsc` diagnostics for the consumer file under these compiler options, one per line. */
async function diagnostics(options: Record<string, string>): Promise<string[]> {
  const flags = Object.entries({
    strict: 'true',
    target: 'es2022',
    types: 'node',
    noEmit: 'true',
    ...options,
  }).flatMap(([name, value]) => [`--${name}`, value]);
  try {
    await run(process.execPath, [tsc, ...flags, 'consumer.ts'], {
      cwd: directory,
      timeout: 120_000,
    });
    return [];
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout;
    if (typeof stdout !== 'string' || stdout === '') throw error;
    // Only lines that start a diagnostic (`file(line,col): error TS...`).
    return stdout.split('\n').filter((line) => /\): error TS\d+/.test(line));
  }
}

describe('the published declarations in a TypeScript consumer', () => {
  it('resolve every entry under moduleResolution node10 (typesVersions)', async () => {
    expect(
      await diagnostics({ module: 'commonjs', moduleResolution: 'node10', skipLibCheck: 'true' }),
    ).toEqual([]);
  });

  it('resolve every entry under node16 and bundler (exports)', async () => {
    expect(
      await diagnostics({ module: 'node16', moduleResolution: 'node16', skipLibCheck: 'true' }),
    ).toEqual([]);
    expect(
      await diagnostics({ module: 'esnext', moduleResolution: 'bundler', skipLibCheck: 'true' }),
    ).toEqual([]);
  });

  it('have no errors of their own with skipLibCheck false', async () => {
    const errors = await diagnostics({
      module: 'node16',
      moduleResolution: 'node16',
      skipLibCheck: 'false',
    });
    const ours = errors.filter((line) => !line.includes('node_modules/@llamaindex/'));
    expect(ours).toEqual([]);
  });
});
