/**
 * What npm shows of the published packages, and the install lines of every README:
 * - each package.json names its repository (with its folder), homepage, bug tracker, keywords
 *   and license;
 * - a package README has no relative link (npm renders it away from the repository, where a
 *   relative link is broken);
 * - every `npm install` line that installs onnxruntime-node says which install it is: the CPU
 *   one skips the CUDA 12 download its install script makes by default on Linux x64
 *   (`ONNXRUNTIME_NODE_INSTALL=skip`), the CUDA one asks for it (`ONNXRUNTIME_NODE_INSTALL=cuda12`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const repository = 'https://github.com/jina-clip-js/jina-clip-js';

const packages = {
  'shared-runtime': 'jina-clip-runtime',
  'langchain-jina-clip': 'langchain-jina-clip',
  'llamaindex-jina-clip': 'llamaindex-jina-clip',
  'ai-sdk-jina-clip': 'jina-clip-ai-provider',
} as const;

const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Every README.md of the repository, outside node_modules and build output. */
function readmes(directory = ''): string[] {
  return readdirSync(join(root, directory), { withFileTypes: true }).flatMap((entry) => {
    const path = directory === '' ? entry.name : `${directory}/${entry.name}`;
    if (entry.isDirectory()) {
      return ['node_modules', 'dist', '.git', '.turbo'].includes(entry.name) ? [] : readmes(path);
    }
    return entry.name === 'README.md' ? [path] : [];
  });
}

/** The shell commands a markdown text shows: lines of fenced blocks and inline code spans. */
function commands(markdown: string): string[] {
  const found: string[] = [];
  const withoutFences = markdown.replace(/```[^\n]*\n([\s\S]*?)```/g, (_, body: string) => {
    found.push(...body.split('\n'));
    return '';
  });
  // An inline span may wrap onto the next line of the paragraph.
  for (const [, span] of withoutFences.matchAll(/`([^`]+)`/g))
    found.push(span!.replace(/\s+/g, ' '));
  return found.map((line) => line.replace(/#.*$/, '').trim());
}

describe('package metadata', () => {
  for (const [folder, name] of Object.entries(packages)) {
    it(`${name} names its repository, homepage, bug tracker, keywords and license`, () => {
      const manifest = JSON.parse(read(`packages/${folder}/package.json`)) as Record<
        string,
        unknown
      >;
      expect(manifest).toMatchObject({
        name,
        license: 'Apache-2.0',
        repository: { type: 'git', url: `git+${repository}.git`, directory: `packages/${folder}` },
        homepage: `${repository}/tree/main/packages/${folder}#readme`,
        bugs: { url: `${repository}/issues` },
      });
      expect(manifest.keywords).toEqual(
        expect.arrayContaining(['jina', 'clip', 'embeddings', 'multimodal']),
      );
    });

    it(`${name}'s README has only absolute links (npm renders it away from the repository)`, () => {
      const readme = read(`packages/${folder}/README.md`);
      const targets = [
        ...[...readme.matchAll(/\]\(([^)\s]+)[^)]*\)/g)].map((match) => match[1]!),
        ...[...readme.matchAll(/^\[[^\]]+\]:\s*(\S+)/gm)].map((match) => match[1]!),
        ...[...readme.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!),
      ];
      expect(targets.length).toBeGreaterThan(0);
      expect(targets.filter((target) => !/^(https?:|mailto:|#)/.test(target))).toEqual([]);
    });
  }
});

describe('onnxruntime-node install lines', () => {
  const lines = readmes().flatMap((path) =>
    commands(read(path))
      // `npm install`, not `npm install-scripts` (which only writes package.json's allowScripts).
      .filter((line) => /\bnpm (install|i|add)(?![\w-]).*\bonnxruntime-node\b/.test(line))
      .map((line) => ({ path, line })),
  );

  it('are found in the READMEs', () => {
    expect(lines.map(({ path }) => path)).toEqual(
      expect.arrayContaining([
        'README.md',
        'packages/shared-runtime/README.md',
        'packages/langchain-jina-clip/README.md',
        'packages/llamaindex-jina-clip/README.md',
      ]),
    );
  });

  it('each say whether they are the CPU install (skip) or the CUDA one (cuda12)', () => {
    const unsaid = lines.filter(
      ({ line }) =>
        !/^ONNXRUNTIME_NODE_INSTALL=(skip|cuda12) npm /.test(line) &&
        // Prose that names the default install as the CUDA one, with the variable beside it.
        line !== 'npm install onnxruntime-node',
    );
    expect(unsaid).toEqual([]);
  });
});
