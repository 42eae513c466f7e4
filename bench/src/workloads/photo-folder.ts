import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createSeededRandom } from './seeded-random.js';

/** Width and height of a generated photo (landscape; every other round is portrait). */
export interface PhotoSize {
  width: number;
  height: number;
}

/** Sizes a phone or camera produces: VGA, 2 MP and 12 MP. */
export const PHOTO_SIZES: readonly PhotoSize[] = [
  { width: 640, height: 480 },
  { width: 1600, height: 1200 },
  { width: 4000, height: 3000 },
];

/** Options of {@link makePhotoFolder}. */
export interface PhotoFolderOptions {
  /** Number of photos. */
  count: number;
  /** Folder to write into (kept between runs; existing photos are reused). */
  folder: string;
  /** Sizes, cycled through. @default PHOTO_SIZES */
  sizes?: readonly PhotoSize[];
  /** JPEG quality. @default 90 */
  quality?: number;
}

/** A generated photo. */
export interface Photo {
  path: string;
  width: number;
  height: number;
  bytes: number;
}

const BENCH_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Folders that may hold the project's reference images (the repo's copy first). */
const REFERENCE_IMAGE_FOLDERS = [
  resolve(BENCH_ROOT, '../packages/shared-runtime/test-fixtures/reference/images'),
  resolve(BENCH_ROOT, '../../shared/reference/images'),
  '/work/shared/reference/images',
];

/** The reference images (real photos, from scikit-image) the photo folder is made from. */
export async function findReferenceImages(): Promise<string[]> {
  for (const folder of REFERENCE_IMAGE_FOLDERS) {
    if (!existsSync(folder)) continue;
    const names = (await readdir(folder)).filter((name) => /\.(png|jpe?g)$/i.test(name)).sort();
    if (names.length > 0) return names.map((name) => join(folder, name));
  }
  throw new Error(`No reference images found in ${REFERENCE_IMAGE_FOLDERS.join(' or ')}`);
}

/**
 * Adds seeded grain (+-12 levels) so the JPEG carries the entropy, and so the byte size, of a
 * real sensor photo rather than of a smooth upscale.
 */
function addGrain(pixels: Buffer, seed: number): void {
  const random = createSeededRandom(seed);
  for (let index = 0; index < pixels.length; index++) {
    const value = pixels[index]! + Math.floor(random.next() * 25) - 12;
    pixels[index] = Math.max(0, Math.min(255, value));
  }
}

async function writePhoto(
  source: string,
  path: string,
  size: PhotoSize,
  seed: number,
  quality: number,
): Promise<void> {
  const { data, info } = await sharp(source)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .resize(size.width, size.height, { fit: 'cover', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  addGrain(data, seed);
  const temporary = `${path}.${process.pid}.tmp`;
  await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .jpeg({ quality, chromaSubsampling: '4:2:0' })
    .toFile(temporary);
  await rename(temporary, path);
}

/**
 * Makes (once) a folder of JPEG photos from the reference images at several sizes: photo `i` is
 * reference image `floor(i / sizes) mod images` at size `i mod sizes`, portrait on odd rounds.
 */
export async function makePhotoFolder(options: PhotoFolderOptions): Promise<Photo[]> {
  const sizes = options.sizes ?? PHOTO_SIZES;
  const quality = options.quality ?? 90;
  const sources = await findReferenceImages();
  await mkdir(options.folder, { recursive: true });
  const photos: Photo[] = [];
  for (let index = 0; index < options.count; index++) {
    const landscape = sizes[index % sizes.length]!;
    const round = Math.floor(index / (sizes.length * sources.length));
    const size = round % 2 === 0 ? landscape : { width: landscape.height, height: landscape.width };
    const source = sources[Math.floor(index / sizes.length) % sources.length]!;
    const name = `photo-${String(index).padStart(3, '0')}-${size.width}x${size.height}-q${quality}.jpg`;
    const path = join(options.folder, name);
    if (!existsSync(path)) await writePhoto(source, path, size, index + 1, quality);
    const { size: bytes } = await stat(path);
    photos.push({ path, width: size.width, height: size.height, bytes });
  }
  return photos;
}
