import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of sample images and texts shipped with the examples. */
export const SAMPLE_DATA = fileURLToPath(new URL('../data', import.meta.url));

const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
]);
const TEXT_EXTENSIONS = new Set(['.txt', '.md']);

/** One file of a data folder: an image (embedded from its path) or a text (its content). */
export type DataItem =
  | { kind: 'image'; id: string; path: string }
  | { kind: 'text'; id: string; path: string; text: string };

/** Every image and text file under `folder`, sorted by path; `id` is the path relative to it. */
export async function readDataFolder(folder: string): Promise<DataItem[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const items: DataItem[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || entry.name === 'README.md') continue;
    const path = join(entry.parentPath, entry.name);
    const id = relative(folder, path);
    const extension = extname(entry.name).toLowerCase();
    if (IMAGE_EXTENSIONS.has(extension)) items.push({ kind: 'image', id, path });
    else if (TEXT_EXTENSIONS.has(extension)) {
      items.push({ kind: 'text', id, path, text: (await readFile(path, 'utf8')).trim() });
    }
  }
  return items.sort((a, b) => a.id.localeCompare(b.id));
}
