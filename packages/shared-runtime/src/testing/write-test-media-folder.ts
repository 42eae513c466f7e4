import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTestImages } from './write-test-images.js';

/** Options of {@link writeTestMediaFolder}. */
export interface TestMediaFolderOptions {
  /** Start of the new folder's name in `os.tmpdir()`. @default 'media-folder-' */
  prefix?: string;
  /** Name of the text file (content `A red square`), its extension one a loader reads. @default 'caption.txt' */
  textName?: string;
  /** Name of a file whose extension a loader leaves out. @default 'ignored.csv' */
  ignoredName?: string;
}

/**
 * Writes the folder the adapters' folder loaders are tested on, in a new folder of
 * `os.tmpdir()`: `red.png` (220, 30, 30), `more/green.png` (30, 200, 60) a level down, the text
 * file `textName` holding `A red square`, and `ignoredName`, which no loader lists. The caller
 * removes the folder (`rm(folder, { recursive: true, force: true })`).
 *
 * @returns the folder's path.
 * @throws {ModelLoadError} when sharp is not installed (see {@link writeTestImages}).
 */
export async function writeTestMediaFolder(options: TestMediaFolderOptions = {}): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), options.prefix ?? 'media-folder-'));
  await mkdir(join(folder, 'more'));
  await writeTestImages({ red: [220, 30, 30] }, { directory: folder });
  await writeTestImages({ green: [30, 200, 60] }, { directory: join(folder, 'more') });
  await writeFile(join(folder, options.textName ?? 'caption.txt'), 'A red square');
  await writeFile(join(folder, options.ignoredName ?? 'ignored.csv'), 'a,b');
  return folder;
}
