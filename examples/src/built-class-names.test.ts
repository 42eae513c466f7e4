/**
 * Every class the published entries export keeps its own name in both builds: `Class.name`, an
 * error's `stack` header and `util.inspect` all say `AuthenticationError`, never a bundler's
 * temporary (`_class2 [AuthenticationError]`, as tsup's CommonJS chunks once printed).
 *
 * Like `package-imports.test.ts`, it runs in a separate node process in this folder on the
 * packages' built `dist`, once with `require` (CommonJS) and once with `import` (ESM).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const examplesDirectory = fileURLToPath(new URL('..', import.meta.url));

const entries = [
  'jina-clip-runtime',
  'jina-clip-runtime/local',
  'jina-clip-runtime/testing',
  'langchain-jina-clip',
  'llamaindex-jina-clip',
] as const;

/**
 * Prints, for every exported class of every entry, its export name, `name`, and for an error
 * class the first line of `util.inspect` and of `stack` of an instance.
 */
const script = (load: string) => `
const load = ${load};
(async () => {
  const { inspect } = await load('node:util');
  const report = [];
  for (const entry of ${JSON.stringify(entries)}) {
    const namespace = await load(entry);
    for (const [exportName, value] of Object.entries(namespace)) {
      if (typeof value !== 'function' || !/^class\\b/.test(Function.prototype.toString.call(value))) continue;
      const row = { entry, exportName, name: value.name };
      if (value.prototype instanceof Error) {
        const error = new value('boom', { inputIndex: 0, timeoutMs: 1 });
        row.inspect = inspect(error).split('\\n')[0];
        row.stack = error.stack.split('\\n')[0];
      }
      report.push(row);
    }
  }
  console.log(JSON.stringify(report));
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

interface Row {
  entry: string;
  exportName: string;
  name: string;
  inspect?: string;
  stack?: string;
}

async function report(nodeArguments: string[], load: string): Promise<Row[]> {
  const { stdout } = await run(process.execPath, [...nodeArguments, '-e', script(load)], {
    cwd: examplesDirectory,
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Row[];
}

function expectOwnNames(rows: Row[]): void {
  const errors = rows.filter((row) => row.inspect !== undefined);
  // The runtime's error classes, and the adapters' re-exports of them, are all seen.
  expect(errors.map((row) => row.exportName)).toEqual(
    expect.arrayContaining([
      'JinaClipError',
      'ApiError',
      'AuthenticationError',
      'ConnectionError',
      'ImageLoadError',
      'InvalidInputError',
      'ModelLoadError',
      'RateLimitError',
      'TimeoutError',
    ]),
  );
  expect(rows.map((row) => row.exportName)).toEqual(
    expect.arrayContaining(['JinaClipEmbeddings', 'JinaClipEmbedding']),
  );
  for (const row of rows) {
    expect(row.name, `${row.entry} ${row.exportName}`).toBe(row.exportName);
  }
  for (const row of errors) {
    expect(row.inspect, `${row.entry} ${row.exportName}`).toBe(`${row.exportName}: boom`);
    expect(row.stack, `${row.entry} ${row.exportName}`).toBe(`${row.exportName}: boom`);
  }
}

describe('class names in the built packages', () => {
  it('are the classes’ own under require (CommonJS)', async () => {
    expectOwnNames(await report([], 'require'));
  });

  it('are the classes’ own under import (ESM)', async () => {
    expectOwnNames(await report(['--input-type=module'], '(name) => import(name)'));
  });
});
