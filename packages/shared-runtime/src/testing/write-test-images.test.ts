import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { writeHideSharpHook } from './hide-sharp.test-helper.js';
import { TEST_IMAGE_COLOURS, type TestImageColour, writeTestImages } from './write-test-images.js';

const HERE = dirname(fileURLToPath(import.meta.url));

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'write-test-images-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The raw RGB pixels the picture of `colour` must decode to. */
function expectedPixels(colour: TestImageColour, width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const left = x < width / 2;
      for (let channel = 0; channel < 3; channel++) {
        pixels[(y * width + x) * 3 + channel] = left ? colour[channel]! : 255 - colour[channel]!;
      }
    }
  }
  return pixels;
}

async function decode(bytes: Uint8Array) {
  return sharp(bytes).raw().toBuffer({ resolveWithObject: true });
}

describe('writeTestImages', () => {
  it('writes the default colours as 300 x 200 PNGs into a new temp folder, in order', async () => {
    const images = await writeTestImages();

    expect(images.map((image) => image.name)).toEqual(['red', 'green', 'blue', 'yellow']);
    const directory = dirname(images[0]!.path);
    expect(dirname(directory)).toBe(tmpdir());
    expect(directory).toMatch(/jina-clip-images-[^/]+$/);
    for (const image of images) {
      expect(image.path).toBe(join(directory, `${image.name}.png`));
      expect(new Uint8Array(await readFile(image.path))).toEqual(image.bytes);
      const { data, info } = await decode(image.bytes);
      expect(info).toMatchObject({ format: 'raw', width: 300, height: 200, channels: 3 });
      const colour = TEST_IMAGE_COLOURS[image.name as keyof typeof TEST_IMAGE_COLOURS];
      expect(data.equals(expectedPixels(colour, 300, 200))).toBe(true);
    }
    // Every picture differs from every other.
    expect(new Set(images.map((image) => Buffer.from(image.bytes).toString('base64'))).size).toBe(
      4,
    );
    await rm(directory, { recursive: true });
  });

  it('paints the given colours at the given size into the given folder, creating it', async () => {
    const directory = join(root, 'nested', 'images');
    const images = await writeTestImages(
      { white: [255, 255, 255], dark_teal: [0, 90, 80] },
      { directory, width: 5, height: 2 },
    );

    expect(images.map((image) => image.path)).toEqual([
      join(directory, 'white.png'),
      join(directory, 'dark_teal.png'),
    ]);
    // An odd width gives the colour the middle column: 3 columns of colour, 2 of complement.
    const teal = await decode(images[1]!.bytes);
    expect(teal.info).toMatchObject({ width: 5, height: 2, channels: 3 });
    expect([...teal.data]).toEqual([
      ...[0, 90, 80, 0, 90, 80, 0, 90, 80, 255, 165, 175, 255, 165, 175],
      ...[0, 90, 80, 0, 90, 80, 0, 90, 80, 255, 165, 175, 255, 165, 175],
    ]);
    expect([...(await decode(images[0]!.bytes)).data.subarray(0, 15)]).toEqual([
      ...[255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0],
    ]);
  });

  it.each([
    [{ 'a/b': [1, 2, 3] }, {}, 'colours'],
    [{ '': [1, 2, 3] }, {}, 'colours'],
    [{ red: [256, 0, 0] }, {}, 'colours.red'],
    [{ red: [-1, 0, 0] }, {}, 'colours.red'],
    [{ red: [1.5, 0, 0] }, {}, 'colours.red'],
    [{ red: [1, 2] }, {}, 'colours.red'],
    [{ red: [1, 2, 3] }, { width: 1 }, 'width'],
    [{ red: [1, 2, 3] }, { height: 2.5 }, 'height'],
  ])('rejects %j %j naming the field %s, and writes nothing', async (colours, options, field) => {
    const directory = join(root, `rejected-${field}`);
    // Shapes the type does not allow, as untyped callers could pass them.
    const error = await writeTestImages(colours as never, { directory, ...options }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field });
    await expect(access(directory)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('writeTestImages without sharp installed', () => {
  it('says that the helper needs sharp, and how to install it', async () => {
    const directory = await mkdtemp(join(root, 'no-sharp-'));
    const register = await writeHideSharpHook(directory);
    await writeFile(
      join(directory, 'main.mts'),
      `import { writeTestImages } from ${JSON.stringify(join(HERE, 'write-test-images.ts'))};
const error = await writeTestImages({ red: [255, 0, 0] }, { directory: ${JSON.stringify(join(directory, 'out'))} }).catch((thrown) => thrown);
console.log(JSON.stringify({ name: error.name, message: error.message, packageName: error.packageName }));
`,
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', register, '--import', 'tsx', join(directory, 'main.mts')],
      { cwd: join(HERE, '..', '..'), timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toEqual({
      name: 'ModelLoadError',
      message:
        'writeTestImages() needs sharp to write its PNG files. Install it: npm install --save-dev sharp',
      packageName: 'sharp',
    });
  });
});
