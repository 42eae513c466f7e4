import {
  IMAGE_LOAD_REASONS,
  ImageLoadError,
  type ReadImageBytesOptions,
  readImageBytes,
} from 'jina-clip-runtime';
import type { IngestItem } from './ingest-item.js';
import { itemId } from './item-id.js';

/** A manifest URL item. */
export type UrlItem = Extract<IngestItem, { kind: 'url' }>;

/** A URL item's bytes and their content id, or why they could not be fetched. */
export type FetchedUrlItem =
  | { item: UrlItem; id: string; bytes: Uint8Array }
  | { item: UrlItem; error: unknown };

/** Downloads at once per worker: enough to hide an object store's latency, few enough to be polite. */
const FETCH_CONCURRENCY = 8;

/**
 * True for a download failure that a later attempt may not meet: a timeout, a dropped connection,
 * or an answer of 408, 429 or 5xx. The job is then retried with backoff; a 404, a 403, a blocked
 * address or an oversized object is the item's own, recorded at once.
 */
export function isTransientFetchError(error: unknown): boolean {
  if (!ImageLoadError.isInstance(error)) return false;
  if (error.reason === IMAGE_LOAD_REASONS.timeout) return true;
  if (error.reason !== IMAGE_LOAD_REASONS.unreadable) return false;
  const status = /answered HTTP (\d{3})/.exec(error.message)?.[1];
  return status === undefined || status === '408' || status === '429' || status.startsWith('5');
}

/**
 * Fetches each URL item through the runtime's `readImageBytes` (the backends' own download
 * policy: timeout, redirects, private addresses, byte cap) and keys its bytes by
 * `itemId('image', bytes, model)`, the id a file with those bytes has: the row follows the
 * content, not the URL. A few downloads run at once; results come in the items' order.
 */
export async function fetchUrlItems(
  items: readonly UrlItem[],
  model: string,
  options: ReadImageBytesOptions,
): Promise<FetchedUrlItem[]> {
  const results: FetchedUrlItem[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < items.length; index = next++) {
      const item = items[index]!;
      try {
        const bytes = await readImageBytes(item.source, options);
        results[index] = { item, id: itemId('image', bytes, model), bytes };
      } catch (error) {
        results[index] = { item, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, items.length) }, lane));
  return results;
}
