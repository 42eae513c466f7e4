/**
 * LlamaIndex's `batchEmbeddings` loop (what `MultiModalEmbedding`'s ingestion transform runs over
 * image nodes): chunks of `chunkSize`, each awaited before the next. Re-stated here, rather than
 * imported, because the bench holds two copies of `@llamaindex/core` (the peer pins 0.6.23, the
 * adapter uses 0.6.22) and importing one beside the other breaks LlamaIndex's class checks.
 */
export async function embedInChunks<T>(
  values: readonly T[],
  chunkSize: number,
  embed: (chunk: T[]) => Promise<number[][]>,
): Promise<number[][]> {
  const vectors: number[][] = [];
  for (let start = 0; start < values.length; start += chunkSize) {
    vectors.push(...(await embed(values.slice(start, start + chunkSize))));
  }
  return vectors;
}
