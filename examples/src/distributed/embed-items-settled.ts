import { ImageLoadError, InvalidInputError } from 'jina-clip-runtime';
import type { JinaClipEmbeddings } from 'langchain-jina-clip';
import type { IngestItem } from './ingest-item.js';

/** An item's vector, or the error that kept it from one. */
export type SettledItem =
  | { item: IngestItem; vector: number[] }
  | { item: IngestItem; error: unknown };

/**
 * True for an error that is the item's own fault (a corrupt image, an empty text): retrying does
 * not help, so it is recorded at once.
 */
export function isItemError(error: unknown): boolean {
  return ImageLoadError.isInstance(error) || InvalidInputError.isInstance(error);
}

/**
 * Embeds items of one kind in one call; when the call fails on one input (an `inputIndex` error),
 * that input is settled with its error and the rest go again, so one bad input costs one more
 * call. Any other error settles every remaining input with it.
 */
async function embedKindSettled(
  items: IngestItem[],
  embed: (items: IngestItem[]) => Promise<number[][]>,
): Promise<SettledItem[]> {
  const settled: SettledItem[] = [];
  let remaining = items;
  while (remaining.length > 0) {
    try {
      const vectors = await embed(remaining);
      remaining.forEach((item, index) => {
        settled.push({ item, vector: vectors[index]! });
      });
      return settled;
    } catch (error) {
      const index = (error as { inputIndex?: unknown }).inputIndex;
      if (!isItemError(error) || typeof index !== 'number' || remaining[index] === undefined) {
        for (const item of remaining) settled.push({ item, error });
        return settled;
      }
      settled.push({ item: remaining[index]!, error });
      remaining = remaining.filter((_, position) => position !== index);
    }
  }
  return settled;
}

/**
 * Every item's vector or error, in the items' order: one bad item never costs the others theirs.
 *
 * A stand-in until the runtime's `embedSettled(backend, inputs)` lands; then this becomes a call
 * to it on `embeddings.backend`.
 */
export async function embedItemsSettled(
  embeddings: JinaClipEmbeddings,
  items: readonly IngestItem[],
): Promise<SettledItem[]> {
  const texts = items.filter((item) => item.kind === 'text');
  const images = items.filter((item) => item.kind === 'image');
  const [textResults, imageResults] = await Promise.all([
    embedKindSettled(texts, (batch) =>
      embeddings.embedDocuments(batch.map((item) => (item.kind === 'text' ? item.text : ''))),
    ),
    embedKindSettled(images, (batch) => embeddings.embedImages(batch.map((item) => item.source))),
  ]);
  const byId = new Map([...textResults, ...imageResults].map((result) => [result.item.id, result]));
  return items.map((item) => byId.get(item.id)!);
}
