import type { EmbeddingBackend, EmbedOptions } from '../embedding-backend.js';
import type { EmbeddingInput } from '../inputs/embedding-input.js';
import { cosineSimilarity } from './cosine-similarity.js';

/** A candidate of {@link rankBySimilarity}: what to embed, and the key it is reported under. */
export interface RankingCandidate<Key = string> {
  /** How the candidate is named in the ranking (an id, a path, a text). */
  readonly key: Key;
  /** The text or image to embed, as a document. */
  readonly input: EmbeddingInput;
}

/** A candidate in a ranking: its key and its cosine similarity to the query. */
export interface RankedCandidate<Key = string> {
  /** The candidate's key, as given. */
  readonly key: Key;
  /** Cosine similarity of the candidate's vector to the query's, from -1 to 1. */
  readonly similarity: number;
}

/** Options of {@link rankBySimilarity}: passed to both `embed` calls. */
export interface RankBySimilarityOptions extends Pick<EmbedOptions, 'dimensions' | 'signal'> {}

/**
 * The ranking a search for `query` among `candidates` must return: embeds the query as a query
 * (`task: 'retrieval.query'`) and the candidates as documents with `backend`, and sorts the
 * candidates by cosine similarity to the query, best first (equal scores keep their order).
 *
 * Given a reference backend of the same options as the pipeline under test (the same loopback
 * server or tiny model repo), this is the order, and these are the scores, that the pipeline's
 * vector store must answer: a check of its wiring that holds even though test vectors carry no
 * meaning.
 *
 * @example
 * ```ts
 * const expected = await rankBySimilarity(reference, 'a red bus', [
 *   { key: 'red.png', input: { image: redPath } },
 *   { key: 'green.png', input: { image: greenPath } },
 * ]);
 * expect(hits.map((hit) => hit.id)).toEqual(expected.map((candidate) => candidate.key));
 * ```
 */
export async function rankBySimilarity<Key>(
  backend: EmbeddingBackend,
  query: EmbeddingInput,
  candidates: readonly RankingCandidate<Key>[],
  options: RankBySimilarityOptions = {},
): Promise<RankedCandidate<Key>[]> {
  if (candidates.length === 0) return [];
  const [queryVector] = (await backend.embed([query], { ...options, task: 'retrieval.query' }))
    .embeddings;
  const { embeddings } = await backend.embed(
    candidates.map((candidate) => candidate.input),
    options,
  );
  return candidates
    .map((candidate, index) => ({
      key: candidate.key,
      similarity: cosineSimilarity(queryVector!, embeddings[index]!),
    }))
    .sort((a, b) => b.similarity - a.similarity);
}
