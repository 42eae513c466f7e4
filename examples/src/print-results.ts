import type { Document } from '@langchain/core/documents';

/**
 * Prints ranked search results with their cosine similarity. LanceDB answers the squared L2
 * distance in `_distance`; for unit vectors cosine = 1 - distance / 2. (LangChain's LanceDB store
 * reads a `score` field LanceDB does not return, so its own score is undefined.)
 */
export function printResults(title: string, results: [Document, number | undefined][]): void {
  console.log(`${title}:`);
  results.forEach(([document, score], rank) => {
    const distance = document.metadata._distance as number | undefined;
    const cosine = distance !== undefined ? 1 - distance / 2 : score;
    console.log(
      `  ${rank + 1}. ${String(document.metadata.kind).padEnd(5)} ${String(document.metadata.id).padEnd(28)} cosine ${cosine?.toFixed(4) ?? 'n/a'}`,
    );
  });
}
