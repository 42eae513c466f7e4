import { readFile } from 'node:fs/promises';
import { readDataFolder } from '../data-folder.js';
import { itemId } from './item-id.js';

/** One item of a distributed run, as a job carries it: an image file, or a text with its content. */
export type IngestItem =
  | { kind: 'image'; id: string; source: string }
  | { kind: 'text'; id: string; source: string; text: string };

/**
 * Every image and text of `folder` with its stable {@link itemId}, sorted by path. Items with the
 * same content (the same photo twice) are one item, under the first path.
 */
export async function readIngestItems(folder: string): Promise<IngestItem[]> {
  const items = new Map<string, IngestItem>();
  for (const entry of await readDataFolder(folder)) {
    const item: IngestItem =
      entry.kind === 'text'
        ? { kind: 'text', id: itemId('text', entry.text), source: entry.path, text: entry.text }
        : { kind: 'image', id: itemId('image', await readFile(entry.path)), source: entry.path };
    if (!items.has(item.id)) items.set(item.id, item);
  }
  return [...items.values()];
}
