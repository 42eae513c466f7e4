import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { ModelLoadError } from '../errors/model-load-error.js';
import { importOptionalPeer } from '../optional-peer.js';

/** An RGB colour: each channel an integer from 0 to 255. */
export type TestImageColour = readonly [red: number, green: number, blue: number];

/**
 * The colours {@link writeTestImages} paints when given none: four pictures whose vectors all
 * differ, named after their colour.
 */
export const TEST_IMAGE_COLOURS = {
  red: [220, 30, 30],
  green: [30, 200, 60],
  blue: [40, 60, 210],
  yellow: [230, 220, 40],
} as const satisfies Record<string, TestImageColour>;

/** A test image written to disk by {@link writeTestImages}. */
export interface TestImage {
  /** The colour's name, which is also the file's name without `.png`. */
  readonly name: string;
  /** Absolute path of the PNG file. */
  readonly path: string;
  /** The PNG file's bytes. */
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/** Options of {@link writeTestImages}. */
export interface WriteTestImagesOptions {
  /** Folder to write the files into, created when missing. @default a new folder in `os.tmpdir()` */
  directory?: string;
  /** Width of every picture, in pixels. @default 300 */
  width?: number;
  /** Height of every picture, in pixels. @default 200 */
  height?: number;
}

/** A colour's name becomes a file name: nothing that could leave the folder. */
const IMAGE_NAME = /^[A-Za-z0-9_-]+$/;

function checkColour(name: string, colour: TestImageColour): void {
  const isChannel = (value: number) => Number.isInteger(value) && value >= 0 && value <= 255;
  if (!IMAGE_NAME.test(name)) {
    throw new InvalidInputError(
      `\`colours\` names become file names: letters, digits, _ and - only, got ${JSON.stringify(name)}.`,
      { field: 'colours' },
    );
  }
  if (colour.length !== 3 || !colour.every(isChannel)) {
    throw new InvalidInputError(
      `\`colours.${name}\` must be three integers from 0 to 255, got ${JSON.stringify(colour)}.`,
      { field: `colours.${name}` },
    );
  }
}

function checkSide(value: number, field: 'width' | 'height'): number {
  if (!Number.isInteger(value) || value < 2) {
    throw new InvalidInputError(`\`${field}\` must be an integer of at least 2, got ${value}.`, {
      field,
    });
  }
  return value;
}

/**
 * Loads sharp. When it is not installed the error says that this helper needs it (the generic
 * message speaks of decoding images, which a test writing its fixtures does not do).
 */
async function loadSharp(): Promise<typeof import('sharp').default> {
  try {
    return await importOptionalPeer<typeof import('sharp').default>('sharp');
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new ModelLoadError(
        'writeTestImages() needs sharp to write its PNG files. Install it: npm install --save-dev sharp',
        { packageName: 'sharp', cause: error },
      );
    }
    throw error;
  }
}

/** Defaults applied and every option checked, before anything is written. */
async function resolveOptions(
  colours: Readonly<Record<string, TestImageColour>>,
  options: WriteTestImagesOptions,
): Promise<{ directory: string; width: number; height: number }> {
  for (const [name, colour] of Object.entries(colours)) checkColour(name, colour);
  const width = checkSide(options.width ?? 300, 'width');
  const height = checkSide(options.height ?? 200, 'height');
  let directory: string;
  if (options.directory === undefined) {
    directory = await mkdtemp(join(tmpdir(), 'jina-clip-images-'));
  } else {
    directory = options.directory;
    await mkdir(directory, { recursive: true });
  }
  return { directory, width, height };
}

/**
 * Writes one PNG per colour, for tests of a multimodal pipeline that need real image files: each
 * picture has its left half in the colour and its right half in the colour's complement
 * (`255 - channel`), so every colour gets its own vector, from the hosted API and the local
 * model alike.
 *
 * sharp (an optional peer dependency) encodes the files; it is loaded on the first call.
 *
 * @param colours - Name to colour; the images come back in this order, named `<name>.png`.
 * Default: {@link TEST_IMAGE_COLOURS}.
 * @throws {InvalidInputError} naming the field: a name that is not a plain file name, a channel
 * outside 0..255, a `width` or `height` below 2.
 * @throws {ModelLoadError} when sharp is not installed, saying that this helper needs it.
 *
 * @example
 * ```ts
 * const [red, green] = await writeTestImages({ red: [220, 30, 30], green: [30, 200, 60] });
 * await embeddings.embedImages([red.path, green.bytes]);
 * ```
 */
export async function writeTestImages(
  colours: Readonly<Record<string, TestImageColour>> = TEST_IMAGE_COLOURS,
  options: WriteTestImagesOptions = {},
): Promise<TestImage[]> {
  const { directory, width, height } = await resolveOptions(colours, options);
  const sharp = await loadSharp();
  const left = Math.ceil(width / 2);
  const images: TestImage[] = [];
  for (const [name, [red, green, blue]] of Object.entries(colours)) {
    const complement = { r: 255 - red, g: 255 - green, b: 255 - blue };
    const bytes = await sharp({
      create: { width: left, height, channels: 3, background: { r: red, g: green, b: blue } },
    })
      .extend({ right: width - left, background: complement })
      .png()
      .toBuffer();
    const path = join(directory, `${name}.png`);
    await writeFile(path, bytes);
    images.push({ name, path, bytes: new Uint8Array(bytes) });
  }
  return images;
}
