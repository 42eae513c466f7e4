import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../models/models.js';
import { encodeImageForUpload } from './encode-for-upload.js';
import { defaultPreprocessConfig } from './image-preprocess-config.js';
import { preprocessImage } from './preprocess-image.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REFERENCE_IMAGES = join(HERE, '..', '..', 'test-fixtures', 'reference', 'images');
const v1 = defaultPreprocessConfig(MODELS['jina-clip-v1']);

describe('encodeImageForUpload', () => {
  it('with resize, sends the preprocessed pixels as a PNG that decodes back to them exactly', async () => {
    const bytes = await readFile(join(REFERENCE_IMAGES, 'chelsea_exif6.jpg'));
    const upload = await encodeImageForUpload(bytes, v1, { resize: true });
    expect([upload.width, upload.height]).toEqual([224, 224]);
    const png = Buffer.from(upload.base64, 'base64');
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect((await sharp(png).metadata()).format).toBe('png');
    expect([info.width, info.height, info.channels]).toEqual([224, 224, 3]);
    const preprocessed = await preprocessImage(bytes, v1);
    expect(Buffer.compare(data, Buffer.from(preprocessed.data))).toBe(0);
  });

  it('with resize, a large photo shrinks to one tile of the model size', async () => {
    const photo = await sharp(await readFile(join(REFERENCE_IMAGES, 'coffee.png')))
      .resize(1200, 800)
      .jpeg()
      .toBuffer();
    const upload = await encodeImageForUpload(
      photo,
      defaultPreprocessConfig(MODELS['jina-clip-v2']),
      {
        resize: true,
      },
    );
    expect([upload.width, upload.height]).toEqual([512, 512]);
    expect((await sharp(Buffer.from(upload.base64, 'base64')).metadata()).width).toBe(512);
  });

  it('without resize, sends the original bytes untouched, with their oriented size', async () => {
    const bytes = await readFile(join(REFERENCE_IMAGES, 'chelsea_exif6.jpg'));
    const upload = await encodeImageForUpload(bytes, v1, { resize: false });
    expect(upload.base64).toBe(bytes.toString('base64'));
    expect([upload.width, upload.height]).toEqual([451, 300]);
  });

  it('rejects bytes that are not an image with the decoder error', async () => {
    await expect(
      encodeImageForUpload(new TextEncoder().encode('not an image'), v1, { resize: true }),
    ).rejects.toThrow(/unsupported image format/);
  });
});

describe('encodeImageForUpload without sharp installed', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'jina-clip-no-sharp-'));
    // A loader hook that makes `sharp` unresolvable, as on a machine where it is not installed.
    await writeFile(
      join(directory, 'hide-sharp.mjs'),
      `export async function resolve(specifier, context, next) {
  if (specifier === 'sharp') {
    const error = new Error(\`Cannot find package 'sharp' imported from \${context.parentURL}\`);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}
`,
    );
    await writeFile(
      join(directory, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(directory, 'hide-sharp.mjs')).href)});\n`,
    );
    await writeFile(
      join(directory, 'main.mts'),
      `import { encodeImageForUpload } from ${JSON.stringify(join(HERE, 'encode-for-upload.ts'))};
const warnings: { code?: string; message: string }[] = [];
process.on('warning', (warning) => warnings.push({ code: (warning as { code?: string }).code, message: warning.message }));
const bytes = new Uint8Array([1, 2, 3, 250]);
const config = { size: 224, resizeMode: 'shortest', interpolation: 'bicubic', fillColor: 0, mean: [0, 0, 0], std: [1, 1, 1], rescaleFactor: 1 } as const;
const first = await encodeImageForUpload(bytes, config, { resize: true });
const second = await encodeImageForUpload(bytes, config, { resize: true });
const original = await encodeImageForUpload(bytes, config, { resize: false });
await new Promise((resolve) => setImmediate(resolve));
console.log(JSON.stringify({ first, second, original, warnings }));
`,
    );
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('sends the original bytes and warns once that sharp should be installed', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', join(directory, 'register.mjs'), '--import', 'tsx', join(directory, 'main.mts')],
      { cwd: join(HERE, '..', '..') },
    );
    const result = JSON.parse(stdout);
    const original = {
      base64: Buffer.from([1, 2, 3, 250]).toString('base64'),
      width: 0,
      height: 0,
    };
    expect(result.first).toEqual(original);
    expect(result.second).toEqual(original);
    expect(result.original).toEqual(original);
    expect(result.warnings).toEqual([
      {
        code: 'JINA_CLIP_NO_SHARP',
        message:
          'sharp is not installed: images are uploaded at full size and billed per tile. Install it to resize them first: npm install sharp',
      },
    ]);
  });
});
