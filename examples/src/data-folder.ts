import { readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listMediaFiles } from 'jina-clip-runtime';

/** The folder of sample images and texts shipped with the examples. */
export const SAMPLE_DATA = fileURLToPath(new URL('../data', import.meta.url));

/** One file of a data folder: an image (embedded from its path) or a text (its content). */
export type DataItem =
  | { kind: 'image'; id: string; path: string }
  | { kind: 'text'; id: string; path: string; text: string };

/**
 * Every image and text file under `folder` (the runtime's `listMediaFiles`: its extensions,
 * hidden files and links left out) but a `README.md`, sorted by `id`, the path relative to
 * `folder`; `path` is `folder` joined with `id`.
 */
export async function readDataFolder(folder: string): Promise<DataItem[]> {
  const items: DataItem[] = [];
  for (const file of await listMediaFiles(folder)) {
    if (basename(file.path) === 'README.md') continue;
    const id = relative(folder, file.path);
    const path = join(folder, id);
    if (file.modality === 'image') items.push({ kind: 'image', id, path });
    else items.push({ kind: 'text', id, path, text: (await readFile(path, 'utf8')).trim() });
  }
  return items.sort((a, b) => a.id.localeCompare(b.id));
}
