import {
  ApiError,
  type EmbeddingInput,
  embedSettled,
  ImageLoadError,
  InvalidInputError,
} from 'jina-clip-runtime';
import type { JinaClipEmbeddings } from 'langchain-jina-clip';
import type { IngestItem } from './ingest-item.js';

/**
 * An item to embed: a text, an image file, or content a worker read for a manifest's deferred
 * source (`deferred`: an image's `bytes`, or a text file's text).
 */
export type EmbedItem = Exclude<IngestItem, { kind: 'deferred' }> & {
  bytes?: Uint8Array;
  deferred?: true;
};

/** An item's vector, or the error that kept it from one. */
export type SettledItem<Item extends EmbedItem = EmbedItem> =
  | { item: Item; vector: number[] }
  | { item: Item; error: unknown };

/**
 * True for an error that is the item's own fault (a corrupt image, an empty text, an API answer
 * that blames this one input and is not worth retrying): retrying does not help, so it is recorded
 * at once instead of failing the job (which would re-send, and bill, its whole batch).
 */
export function isItemError(error: unknown): boolean {
  if (ImageLoadError.isInstance(error) || InvalidInputError.isInstance(error)) return true;
  return (
    ApiError.isInstance(error) &&
    !error.retryable &&
    typeof (error as { inputIndex?: unknown }).inputIndex === 'number'
  );
}

/**
 * Every item's vector or error, in the items' order: one bad item never costs the others theirs.
 * The runtime's `embedSettled` on `embeddings.backend`, as documents (no task), with the vectors as
 * plain arrays like `embedDocuments`/`embedImages` give. It rejects as a whole only for an abort
 * or a closed backend.
 */
export async function embedItemsSettled<Item extends EmbedItem>(
  embeddings: JinaClipEmbeddings,
  items: readonly Item[],
): Promise<SettledItem<Item>[]> {
  const { results } = await embedSettled(
    embeddings.backend,
    items.map(
      (item): EmbeddingInput =>
        item.kind === 'text' ? item.text : { image: item.bytes ?? item.source },
    ),
  );
  return results.map((result, index) =>
    result.status === 'fulfilled'
      ? { item: items[index]!, vector: Array.from(result.embedding) }
      : { item: items[index]!, error: result.error },
  );
}
