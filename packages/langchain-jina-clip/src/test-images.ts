import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

/** A test image written to disk: its path and its encoded bytes. */
export interface TestImage {
  name: string;
  path: string;
  bytes: Uint8Array<ArrayBuffer>;
}

/**
 * Writes one PNG per colour into a new temp folder: a 300 x 200 picture, the left half in the
 * colour and the right half in its complement, so that each image has its own vector.
 */
export async function writeTestImages(
  colours: Record<string, readonly [number, number, number]>,
): Promise<TestImage[]> {
  const directory = await mkdtemp(join(tmpdir(), 'jina-clip-images-'));
  const images: TestImage[] = [];
  for (const [name, [red, green, blue]] of Object.entries(colours)) {
    const width = 300;
    const height = 200;
    const pixels = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const offset = (y * width + x) * 3;
        const left = x < width / 2;
        pixels[offset] = left ? red : 255 - red;
        pixels[offset + 1] = left ? green : 255 - green;
        pixels[offset + 2] = left ? blue : 255 - blue;
      }
    }
    const bytes = await sharp(pixels, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
    const path = join(directory, `${name}.png`);
    await writeFile(path, bytes);
    images.push({ name, path, bytes: new Uint8Array(bytes) });
  }
  return images;
}
