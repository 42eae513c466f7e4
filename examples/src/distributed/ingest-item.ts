import { readFile } from 'node:fs/promises';
import { readDataFolder } from '../data-folder.js';
import { itemId } from './item-id.js';

/**
 * One item of a distributed run, as a job carries it: an image file, a text with its content, or
 * a manifest's `deferred` source (an http(s) URL or a path, an image or a text file) whose
 * content only the worker reads. A deferred item's `id` is provisional (the model and the source,
 * `deferredItemId`), used for its job and a failure to read it; its row is keyed by the content's
 * {@link itemId}, like a folder's file.
 */
export type IngestItem = (
  | { kind: 'image'; id: string; source: string }
  | { kind: 'text'; id: string; source: string; text: string }
  | { kind: 'deferred'; id: string; source: string; modality: 'image' | 'text' }
) & {
  /** Other paths with the same content (one item, one row): named with its failure too. */
  copies?: string[];
};

/**
 * Every image and text of `folder` with its stable {@link itemId} for `model`, sorted by path.
 * Items with the same content (the same photo twice) are one item, under the first path, with
 * the other paths in `copies`.
 */
export async function readIngestItems(folder: string, model: string): Promise<IngestItem[]> {
  const items = new Map<string, IngestItem>();
  for (const entry of await readDataFolder(folder)) {
    const item: IngestItem =
      entry.kind === 'text'
        ? {
            kind: 'text',
            id: itemId('text', entry.text, model),
            source: entry.path,
            text: entry.text,
          }
        : {
            kind: 'image',
            id: itemId('image', await readFile(entry.path), model),
            source: entry.path,
          };
    const first = items.get(item.id);
    if (first === undefined) items.set(item.id, item);
    else first.copies = [...(first.copies ?? []), item.source];
  }
  return [...items.values()];
}

/**
 * Whether `data` is an item as the producer writes it: a rogue or corrupted job (`null`, a string,
 * `[null]`) is recorded as a failure instead of crashing or silently failing its job.
 */
export function isIngestItem(data: unknown): data is IngestItem {
  if (typeof data !== 'object' || data === null) return false;
  const item = data as Record<string, unknown>;
  if (typeof item.id !== 'string' || typeof item.source !== 'string') return false;
  return (
    item.kind === 'image' ||
    (item.kind === 'deferred' && (item.modality === 'image' || item.modality === 'text')) ||
    (item.kind === 'text' && typeof item.text === 'string')
  );
}
