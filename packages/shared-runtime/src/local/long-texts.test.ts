import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { captureWarnings } from '../testing/capture-warnings.test-helper.js';
import { useTinyRepos } from '../testing/tiny-model-repo/tiny-repos.test-helper.js';
import type { TinyModelRepo } from '../testing/tiny-model-repo/write-tiny-model-repo.js';
import { createLocalBackend } from './create-local-backend.js';
import { runScriptInChild } from './run-script-in-child.test-helper.js';

const repos = useTinyRepos('long-texts');

/**
 * Embeds a 20 MB text (and a short one) with the local backend in a child process whose heap is
 * capped at 512 MB and whose run is capped at 120 s: before tokenization was bounded, v2 threw a
 * RangeError from about 209,000 characters and aborted at 4.7 GB on 20 MB, and v1 blocked its
 * event loop 74 s at 3 GB. Prints the truncation report and the vector widths.
 */
function embedHugeTextInChild(repo: TinyModelRepo, text: 'words' | 'unbroken') {
  return runScriptInChild(
    `const { createLocalBackend } = await importSource('local/create-local-backend.ts');
const reports = [];
const backend = createLocalBackend(${JSON.stringify({
      model: repo.model,
      modelPath: repo.directory,
    }).slice(0, -1)}, onTruncation: (truncated) => reports.push(...truncated) });
const unit = ${text === 'words' ? "'the quick brown fox jumps over a lazy dog '" : "'我们的模型catdogbirdfish'"};
const huge = unit.repeat(Math.ceil(20_000_000 / unit.length));
const { embeddings, usage } = await backend.embed(['cat', huge]);
await backend.close();
console.log(JSON.stringify({ length: huge.length, widths: embeddings.map((e) => e.length), usage, reports }));`,
    { directory: repos.root, maxOldSpaceMb: 512, timeoutMs: 120_000 },
  );
}

describe('the local backend on a 20 MB text (child process, 512 MB heap, 120 s cap)', () => {
  for (const [name, repoOf, kind] of [
    ['jina-clip-v1, words', () => repos.v1, 'words'],
    ['jina-clip-v2, words', () => repos.v2, 'words'],
    ['jina-clip-v1, CJK and letters without spaces', () => repos.v1, 'unbroken'],
    ['jina-clip-v2, CJK and letters without spaces', () => repos.v2, 'unbroken'],
  ] as const) {
    it(`${name}: embeds it from its first tokens and reports the cut`, async () => {
      const run = await embedHugeTextInChild(repoOf(), kind);
      expect(run.timedOut).toBe(false);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result.length).toBeGreaterThanOrEqual(20_000_000);
      expect(result.widths).toEqual([16, 16]);
      expect(result.reports).toEqual([
        { inputIndex: 1, tokens: expect.any(Number), maxTokens: 8192, exact: false },
      ]);
      expect(result.usage.totalTokens).toBe(3 + 8192);
    }, 150_000);
  }
});

describe('the local backend when the tokenizer library gives out', () => {
  it('turns its RangeError into an InvalidInputError naming the input', async () => {
    // U+FDFA becomes 18 characters under NFKC: the 65,536 of them tokenized are 1.2 million
    // characters of pieces, past what @huggingface/tokenizers can spread onto its stack.
    const backend = createLocalBackend({ model: 'jina-clip-v2', modelPath: repos.v2.directory });
    const error = await backend
      .embed(['cat', '\uFDFA'.repeat(100_000)])
      .catch((caught: unknown) => caught);
    await backend.close();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ inputIndex: 1, cause: expect.any(RangeError) });
    expect((error as Error).message).toMatch(
      /^Input 1: the tokenizer could not tokenize this text of 100000 characters \(RangeError: /,
    );
  });
});

describe('the truncation warning for a text tokenized only in part', () => {
  it('says "at least" before a count that is a lower bound', async () => {
    const warnings = await captureWarnings(async () => {
      const backend = createLocalBackend({ modelPath: repos.v1.directory });
      await backend.embed(['the cat '.repeat(50_000)]);
      await backend.close();
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(
      /^1 text was longer than the model's 8192 tokens and embedded from its first 8192 tokens only: input 0 \(at least \d+ tokens\)\./,
    );
  });
});
