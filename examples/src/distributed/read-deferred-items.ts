import {
  IMAGE_LOAD_REASONS,
  ImageLoadError,
  type ReadImageBytesOptions,
  readImageBytes,
} from 'jina-clip-runtime';
import type { IngestItem } from './ingest-item.js';
import { itemId } from './item-id.js';

/** A manifest item whose content only a worker reads: an http(s) URL or a path. */
export type DeferredItem = Extract<IngestItem, { kind: 'deferred' }>;

/** A deferred item's content and its id, or why it could not be read. */
export type ReadDeferredItem =
  | { item: DeferredItem; id: string; bytes: Uint8Array; text?: string }
  | { item: DeferredItem; error: unknown };

/** Reads at once per worker: enough to hide an object store's latency, few enough to be polite. */
const READ_CONCURRENCY = 8;

const URL_SOURCE = /^https?:\/\//i;

/**
 * Largest text file a worker reads, in bytes: its text travels in the write job through Redis and
 * is stored in the row whole, while the model reads its first few thousand tokens. As a manifest
 * line holds at most 1 MiB of inline text, so does a text file; a larger one is recorded as a
 * `TextLoadError` (`too-large`), not read.
 */
export const MAX_TEXT_FILE_BYTES = 1024 * 1024;

/**
 * True for a failure that a later attempt may not meet: a URL's download that timed out, lost
 * its connection, or was answered 408, 429 or 5xx. The job is then retried with backoff. A 404,
 * a 403, a blocked address, an oversized object, and any failure to read a path (missing, not
 * allowed, outside the root) are the item's own, recorded at once.
 */
export function isTransientReadError(item: DeferredItem, error: unknown): boolean {
  if (!URL_SOURCE.test(item.source) || !ImageLoadError.isInstance(error)) return false;
  if (error.reason === IMAGE_LOAD_REASONS.timeout) return true;
  if (error.reason !== IMAGE_LOAD_REASONS.unreadable) return false;
  const status = /answered HTTP (\d{3})/.exec(error.message)?.[1];
  return status === undefined || status === '408' || status === '429' || status.startsWith('5');
}

/**
 * The error a deferred text file's failed read is recorded with: the runtime reads it with its
 * image-source policy, but it is not an image.
 */
class TextLoadError extends Error {
  override readonly name = 'TextLoadError';
}

/**
 * Reads each deferred item through the runtime's `readImageBytes`, the backends' own policy for
 * sources (a URL: download timeout, redirects re-checked, private addresses refused; a path:
 * `imageFileRoot`; both: the byte cap), and keys it as the producer keys a folder's file: an
 * image by `itemId('image', bytes, model)`, a text file by `itemId('text', its trimmed UTF-8,
 * model)`. The row follows the content, not the source. A few reads run at once; results come in
 * the items' order.
 */
export async function readDeferredItems(
  items: readonly DeferredItem[],
  model: string,
  options: ReadImageBytesOptions,
): Promise<ReadDeferredItem[]> {
  const results: ReadDeferredItem[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < items.length; index = next++) {
      const item = items[index]!;
      try {
        const bytes = await readImageBytes(
          item.source,
          item.modality === 'text'
            ? {
                ...options,
                maxImageBytes: Math.min(
                  options.maxImageBytes ?? MAX_TEXT_FILE_BYTES,
                  MAX_TEXT_FILE_BYTES,
                ),
              }
            : options,
        );
        if (item.modality === 'image') {
          results[index] = { item, id: itemId('image', bytes, model), bytes };
        } else {
          const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
            .toString('utf8')
            .trim();
          results[index] = { item, id: itemId('text', text, model), bytes, text };
        }
      } catch (error) {
        results[index] = {
          item,
          error:
            item.modality === 'text' && error instanceof Error
              ? new TextLoadError(
                  error.message.replace(/^Input \d+: cannot read image /, 'cannot read '),
                  { cause: error },
                )
              : error,
        };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, items.length) }, lane));
  return results;
}
