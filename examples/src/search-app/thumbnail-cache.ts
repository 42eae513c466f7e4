import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

/** The sizes the page asks for: a grid thumbnail and the detail view's picture. */
export const THUMBNAIL_SIZES = { small: 256, large: 1024 } as const;

/** One of {@link THUMBNAIL_SIZES}' names. */
export type ThumbnailSize = keyof typeof THUMBNAIL_SIZES;

/**
 * WebP renditions of the indexed images, made once with sharp and kept on disk: the file name
 * is a hash of the image's path, size and modification time, so an edited image gets a new one.
 * Callers look images up by item id in the folder's own list; no path ever comes from a request.
 */
export class ThumbnailCache {
  readonly #directory: string;
  readonly #maxPixels: number;
  /** Renditions being made, so concurrent requests for one share the work. */
  readonly #pending = new Map<string, Promise<Buffer>>();

  /**
   * @param directory where the renditions are kept (created on first use)
   * @param maxPixels sharp's `limitInputPixels`: the runtime's `maxImagePixels` @default 89478485
   */
  constructor(directory: string, maxPixels = 89_478_485) {
    this.#directory = directory;
    this.#maxPixels = maxPixels;
  }

  /** The WebP rendition of the image at `path` at `size`, made on first request. */
  async get(path: string, size: ThumbnailSize): Promise<Buffer> {
    const { mtimeMs, size: bytes } = await stat(path);
    const key = createHash('sha256')
      .update(`${path}\0${size}\0${mtimeMs}\0${bytes}`)
      .digest('hex')
      .slice(0, 32);
    const file = join(this.#directory, `${key}.webp`);
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const made = readFile(file).catch(async () => {
      const side = THUMBNAIL_SIZES[size];
      const webp = await sharp(path, { limitInputPixels: this.#maxPixels })
        .rotate()
        .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
      await mkdir(this.#directory, { recursive: true });
      // Written whole then renamed, so a reader never sees half a file.
      const partial = `${file}.${process.pid}.partial`;
      await writeFile(partial, webp);
      await rename(partial, file);
      return webp;
    });
    this.#pending.set(key, made);
    try {
      return await made;
    } finally {
      this.#pending.delete(key);
    }
  }
}
