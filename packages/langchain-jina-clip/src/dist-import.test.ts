import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Newest modification time of the files under `dir`, 0 when there are none. */
function newestChange(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

// A backend written in the script itself: this checks the built files load and work from each
// module system, without any network.
const backend = `{
  model: { id: 'custom', dimensions: 2, matryoshkaDimensions: [], tasks: [] },
  async embed(inputs) {
    return { embeddings: inputs.map((_, index) => new Float32Array([index, 0.5])), usage: { totalTokens: 0 } };
  },
  async close() {},
}`;

const report = `
  const embeddings = new JinaClipEmbeddings({ backend: ${backend} });
  const vectors = await embeddings.embedDocuments(['a', 'b']);
  let error;
  try { new JinaClipEmbeddings({ backend: 'gpu' }); } catch (caught) { error = caught; }
  console.log(JSON.stringify({
    isEmbeddings: embeddings instanceof Embeddings,
    vectors,
    errorIsTyped: error instanceof InvalidInputError && error.field === 'backend',
  }));
`;

function run(args: string[]): unknown {
  return JSON.parse(execFileSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8' }));
}

const expected = {
  isEmbeddings: true,
  vectors: [
    [0, 0.5],
    [1, 0.5],
  ],
  errorIsTyped: true,
};

describe('the built package', () => {
  beforeAll(() => {
    // Builds when dist is incomplete or older than the source (turbo builds before test anyway).
    const complete = ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts'].every((file) =>
      existsSync(`${packageDir}/dist/${file}`),
    );
    if (!complete || newestChange(`${packageDir}/dist`) < newestChange(`${packageDir}/src`)) {
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: packageDir, stdio: 'pipe' });
    }
  }, 120_000);

  it('loads and works from CommonJS (require)', () => {
    const script = `
      const { JinaClipEmbeddings, InvalidInputError } = require('langchain-jina-clip');
      const { Embeddings } = require('@langchain/core/embeddings');
      (async () => {
        ${report}
        // An api user of the adapter never loads the local backend's native peers.
        if (Object.keys(require.cache).some((path) => /onnxruntime|sharp/.test(path))) process.exit(3);
      })();`;
    expect(run(['-e', script])).toEqual(expected);
  });

  it('loads and works from ESM (import)', () => {
    const script = `
      import { JinaClipEmbeddings, InvalidInputError } from 'langchain-jina-clip';
      import { Embeddings } from '@langchain/core/embeddings';
      ${report}`;
    expect(run(['--input-type=module', '-e', script])).toEqual(expected);
  });
});
