import { randomUUID } from 'node:crypto';

/**
 * Query vectors handed to a store's own search through its `JinaClipEmbeddings`.
 *
 * A store's `maxMarginalRelevanceSearch(query: string, ...)` embeds its query with
 * `embeddings.embedQuery`, so it cannot take an image. `JinaClipRetriever` embeds the query
 * itself (text or image), registers the vector under a random key and passes the key as the
 * query; `JinaClipEmbeddings.embedQuery` returns the registered vector for that key (once) instead
 * of embedding the key as text. A key is a random UUID behind a prefix no caller's text has.
 */
const vectors = new Map<string, number[]>();

/** Registers `vector` and returns the key a store's search may pass to `embedQuery` once. */
export function registerQueryVector(vector: number[]): string {
  const key = `\u0000jina-clip-query-vector:${randomUUID()}`;
  vectors.set(key, vector);
  return key;
}

/** The vector registered under `text`, removed as it is taken; undefined for any other text. */
export function takeQueryVector(text: string): number[] | undefined {
  const vector = vectors.get(text);
  if (vector !== undefined) vectors.delete(text);
  return vector;
}

/** Forgets a key whose search did not take it (it failed before embedding its query). */
export function forgetQueryVector(key: string): void {
  vectors.delete(key);
}
