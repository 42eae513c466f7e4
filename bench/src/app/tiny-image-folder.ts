import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { createSeededRandom } from '../workloads/seeded-random.js';

/** Side of each generated image in pixels. */
const SIDE = 24;

/**
 * A folder of `count` distinct small PNGs (random colour noise; the first two pixels spell the
 * image's number, so no two are alike), in subfolders of 1,000. Made once and kept: a folder
 * already holding them is reused. Resolves the image paths.
 */
export async function makeTinyImageFolder(folder: string, count: number): Promise<string[]> {
  const paths = Array.from({ length: count }, (_, index) =>
    join(
      folder,
      `set-${String(Math.floor(index / 1000)).padStart(3, '0')}`,
      `image-${String(index).padStart(6, '0')}.png`,
    ),
  );
  const done = join(folder, `.complete-${count}`);
  if (existsSync(done)) return paths;
  const random = createSeededRandom(20_261_206);
  for (let index = 0; index < count; index += 1) {
    const pixels = Buffer.alloc(SIDE * SIDE * 3);
    for (let offset = 0; offset < pixels.length; offset += 1) {
      pixels[offset] = random.integer(0, 255);
    }
    pixels.writeUIntBE(index, 0, 6);
    if (index % 1000 === 0) await mkdir(join(paths[index]!, '..'), { recursive: true });
    await sharp(pixels, { raw: { width: SIDE, height: SIDE, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toFile(paths[index]!);
  }
  await writeFile(`${done}.partial`, '');
  await rename(`${done}.partial`, done);
  return paths;
}
