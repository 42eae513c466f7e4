import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { InvalidInputError } from '../errors/invalid-input-error.js';

/** File name extensions (lower case) read as images: the raster formats the image decoder takes. */
export const MEDIA_IMAGE_EXTENSIONS = [
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
  '.heic',
  '.heif',
] as const;

/** File name extensions (lower case) read as UTF-8 texts. */
export const MEDIA_TEXT_EXTENSIONS = ['.txt', '.md'] as const;

/** Options of {@link listMediaFiles}. */
export interface ListMediaFilesOptions {
  /** Also list the files of sub-folders. @default true */
  recursive?: boolean;
  /** Extensions read as images (with the dot, any case). @default MEDIA_IMAGE_EXTENSIONS */
  imageExtensions?: readonly string[];
  /** Extensions read as texts (with the dot, any case). @default MEDIA_TEXT_EXTENSIONS */
  textExtensions?: readonly string[];
}

/** A file {@link listMediaFiles} found: its absolute path and what it holds. */
export interface MediaFile {
  path: string;
  modality: 'image' | 'text';
}

function extensions(value: unknown, field: string, fallback: readonly string[]): Set<string> {
  if (value === undefined) return new Set(fallback);
  if (
    !Array.isArray(value) ||
    !value.every((item) => typeof item === 'string' && item.startsWith('.'))
  ) {
    throw new InvalidInputError(`\`${field}\` must be an array of extensions such as '.jpg'.`, {
      field,
    });
  }
  return new Set(value.map((item: string) => item.toLowerCase()));
}

/**
 * The images and text files of a folder, sorted by path: what a document loader (LangChain's
 * `JinaClipFolderLoader`, LlamaIndex's `JinaClipFolderReader`) turns into documents. Hidden
 * files and folders (a leading `.`), symbolic links and files of other extensions are left out.
 *
 * @throws {InvalidInputError} (`field: 'folder'`) when the folder cannot be read, with the cause.
 */
export async function listMediaFiles(
  folder: string,
  options: ListMediaFilesOptions = {},
): Promise<MediaFile[]> {
  if (typeof folder !== 'string' || folder === '') {
    throw new InvalidInputError('`folder` must be the path of a folder.', { field: 'folder' });
  }
  const images = extensions(options.imageExtensions, 'imageExtensions', MEDIA_IMAGE_EXTENSIONS);
  const texts = extensions(options.textExtensions, 'textExtensions', MEDIA_TEXT_EXTENSIONS);
  const root = resolve(folder);
  const files: MediaFile[] = [];
  const visit = async (directory: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      throw new InvalidInputError(
        `Cannot read the folder ${directory}: ${(error as Error).message}`,
        {
          field: 'folder',
          cause: error,
        },
      );
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        if (options.recursive !== false) await visit(path);
      } else if (entry.isFile()) {
        const extension = extname(entry.name).toLowerCase();
        if (images.has(extension)) files.push({ path, modality: 'image' });
        else if (texts.has(extension)) files.push({ path, modality: 'text' });
      }
    }
  };
  await visit(root);
  // Code-unit order, the same on every machine (not the locale's).
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
