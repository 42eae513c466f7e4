import { readFile } from 'node:fs/promises';
import { API_BACKEND_OPTION_NAMES, LOCAL_BACKEND_OPTION_NAMES } from 'jina-clip-runtime';
import { describe, expect, it } from 'vitest';

const README = new URL('../README.md', import.meta.url);

/** The options table of README.md: option name to its backend column. */
async function optionsTable(): Promise<Map<string, string>> {
  const readme = await readFile(README, 'utf8');
  const section = readme.slice(readme.indexOf('## Options'), readme.indexOf('## Errors'));
  const rows = section.split('\n').filter((line) => /^\| `\w+`/.test(line));
  return new Map(
    rows.map((row) => {
      const [, name, backend] = row.split('|').map((cell) => cell.trim());
      return [name!.replaceAll('`', ''), backend!];
    }),
  );
}

describe('README.md', () => {
  it("lists exactly the runtime's options (but `model`) and the provider's, with their backend", async () => {
    const table = await optionsTable();
    const api = new Set<string>(API_BACKEND_OPTION_NAMES);
    const local = new Set<string>(LOCAL_BACKEND_OPTION_NAMES);
    const expected = new Map<string, string>([
      ['backend', ''],
      ['dimensions', 'both'],
      ['signal', 'both'],
      ['onUsage', 'both'],
    ]);
    for (const name of new Set([...api, ...local])) {
      if (name === 'model') continue;
      expected.set(
        name,
        api.has(name) && local.has(name) ? 'both' : api.has(name) ? 'api' : 'local',
      );
    }
    expect(Object.fromEntries(table)).toEqual(Object.fromEntries(expected));
  });
});
