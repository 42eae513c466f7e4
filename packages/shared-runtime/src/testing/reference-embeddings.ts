import { type BackendOptions, createBackend } from '../create-backend.js';
import type { EmbedOptions } from '../embedding-backend.js';
import type { EmbeddingInput } from '../inputs/embedding-input.js';

/**
 * Embeds `inputs` with a new backend of `options`, closed before this resolves, and returns the
 * vectors as plain number arrays: the vectors an adapter or a pipeline built on the same options
 * must produce for the same inputs.
 *
 * @example
 * ```ts
 * const options = { ...loopbackApiOptions(server), model: 'jina-clip-v2' };
 * const expected = await referenceEmbeddings(options, ['a red bus'], { task: 'retrieval.query' });
 * expect([await new JinaClipEmbeddings(options).embedQuery('a red bus')]).toEqual(expected);
 * ```
 */
export async function referenceEmbeddings(
  options: BackendOptions,
  inputs: readonly EmbeddingInput[],
  embedOptions: EmbedOptions = {},
): Promise<number[][]> {
  const backend = createBackend(options);
  try {
    const { embeddings } = await backend.embed(inputs, embedOptions);
    return embeddings.map((vector) => Array.from(vector));
  } finally {
    await backend.close();
  }
}
