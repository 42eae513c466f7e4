/**
 * Checks what every README says against the code: each ```ts snippet compiles on its own
 * (imports included, against the built packages, as a user pastes it into an ESM project), and
 * `dimensions` is described one way, with the widths the model table holds, and the adapters'
 * option tables list every option their constructors take.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AdapterCallOptions,
  API_BACKEND_OPTION_NAMES,
  type ApiBackendOptions,
  LOCAL_BACKEND_OPTION_NAMES,
  type LocalBackendOptions,
  MODELS,
} from 'jina-clip-runtime';
import type { JinaClipEmbeddingBatchOptions, JinaClipIngestionOptions } from 'llamaindex-jina-clip';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const examplesDirectory = fileURLToPath(new URL('..', import.meta.url));

/** Every README a user reads, from the repository root. */
const READMES = [
  'README.md',
  'packages/shared-runtime/README.md',
  'packages/langchain-jina-clip/README.md',
  'packages/llamaindex-jina-clip/README.md',
  'packages/ai-sdk-jina-clip/README.md',
];

/** Every option of the adapters' constructors (both take the same, LlamaIndex's adds its own). */
type AdapterOptionName =
  | 'backend'
  | keyof AdapterCallOptions
  | keyof ApiBackendOptions
  | keyof LocalBackendOptions;
/** The LangChain adapter's options: its own, then both backends' (one list each, from the runtime). */
const ADAPTER_OPTIONS = [
  ...new Set([
    'backend',
    'dimensions',
    'signal',
    'onUsage',
    ...API_BACKEND_OPTION_NAMES,
    ...LOCAL_BACKEND_OPTION_NAMES,
  ] as const),
] satisfies readonly AdapterOptionName[];
type ListsAll<Listed, All> = [Exclude<All, Listed>] extends [never] ? true : false;
const adapterOptionsListed: ListsAll<(typeof ADAPTER_OPTIONS)[number], AdapterOptionName> = true;
const llamaIndexOptions: readonly string[] = [
  ...ADAPTER_OPTIONS,
  'embedBatchSize',
  'onNodeError',
] satisfies readonly (
  | AdapterOptionName
  | keyof JinaClipEmbeddingBatchOptions
  | keyof JinaClipIngestionOptions
)[];

/** The AI SDK provider's options: the adapters' but `model` (each model is named by its id). */
const providerOptions = ADAPTER_OPTIONS.filter((name) => name !== 'model');

/** First cells (the `code` names) of the rows of a README's `## Options` table. */
function optionTableNames(markdown: string): string[] {
  const start = markdown.indexOf('\n## Options\n');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^\| `([^`]+)` +\|/gm)].map((match) => match[1]!);
}

/** The ```ts blocks of a markdown text, with the line each starts on. */
function typescriptBlocks(markdown: string): { code: string; line: number }[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => ({
    code: match[1]!,
    line: markdown.slice(0, match.index).split('\n').length + 1,
  }));
}

/** The one description of `dimensions`, built from the model table. */
function dimensionsStatement(): string {
  const widths = [...MODELS['jina-clip-v2'].matryoshkaDimensions];
  const last = widths.pop();
  return `one of the model's Matryoshka widths: ${widths.join(', ')} or ${last} for jina-clip-v2 (jina-clip-v1 has none)`;
}

let scratch: string | undefined;
afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('README snippets', () => {
  it('compile on their own, each with its imports', async () => {
    // Inside the examples workspace, so that the packages resolve as a user's project has them.
    scratch = await mkdtemp(join(examplesDirectory, '.readme-snippets-'));
    const sources = new Map<string, string>();
    for (const readme of READMES) {
      const blocks = typescriptBlocks(await readFile(join(repositoryRoot, readme), 'utf8'));
      expect(blocks.length, readme).toBeGreaterThan(0);
      const name = readme === 'README.md' ? 'root' : basename(dirname(readme));
      for (const { code, line } of blocks) {
        const file = join(scratch, `${name}-line-${line}.ts`);
        // `export {}` makes even an import-free snippet a module, as in an ESM project.
        await writeFile(file, `${code}\nexport {};\n`);
        sources.set(file, `${readme}:${line}`);
      }
    }
    const { config } = ts.readConfigFile(
      join(repositoryRoot, 'tsconfig.base.json'),
      ts.sys.readFile,
    );
    const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, repositoryRoot);
    const program = ts.createProgram([...sources.keys()], { ...options, noEmit: true });
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      if (diagnostic.file === undefined) return text;
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const where =
        sources.get(diagnostic.file.fileName) ?? relative(scratch!, diagnostic.file.fileName);
      return `${where} (snippet line ${line + 1}): ${text}`;
    });
    expect(problems).toEqual([]);
  });
});

describe('`dimensions` in every README', () => {
  it('is described one way, with the widths of the model table', async () => {
    expect(MODELS['jina-clip-v1'].matryoshkaDimensions).toEqual([]);
    const statement = dimensionsStatement();
    for (const readme of READMES.slice(1)) {
      const text = await readFile(join(repositoryRoot, readme), 'utf8');
      const row = text.split('\n').find((line) => line.startsWith('| `dimensions`'));
      expect(row, `${readme}: the \`dimensions\` option row`).toBeDefined();
      expect(row!.replace(/ {2,}/g, ' '), readme).toContain(statement);
    }
    for (const readme of READMES) {
      const text = await readFile(join(repositoryRoot, readme), 'utf8');
      // The descriptions this one replaced, which were not true.
      expect(text, readme).not.toMatch(/32 to 1024|1 to the full width/);
    }
  });
});

describe("the adapters' option tables", () => {
  it.each([
    ['packages/langchain-jina-clip/README.md', ADAPTER_OPTIONS],
    ['packages/llamaindex-jina-clip/README.md', llamaIndexOptions],
    ['packages/ai-sdk-jina-clip/README.md', providerOptions],
  ])('%s lists every option the constructor takes, once', async (readme, options) => {
    expect(adapterOptionsListed).toBe(true);
    const names = optionTableNames(await readFile(join(repositoryRoot, readme), 'utf8'));
    expect([...names].sort()).toEqual([...options].sort());
  });
});
