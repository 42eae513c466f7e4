import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../models/models.js';
import { writeHideSharpHook } from '../testing/hide-sharp.test-helper.js';
import {
  billedTiles,
  chooseUpload,
  encodeImageForUpload,
  LOSSLESS_UPLOAD_FORMAT,
  type UploadCandidate,
} from './encode-for-upload.js';
import { defaultPreprocessConfig } from './image-preprocess-config.js';
import { preprocessImage } from './preprocess-image.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REFERENCE_IMAGES = join(HERE, '..', '..', 'test-fixtures', 'reference', 'images');
const v1 = defaultPreprocessConfig(MODELS['jina-clip-v1']);

const v2 = defaultPreprocessConfig(MODELS['jina-clip-v2']);

function candidate(
  kind: UploadCandidate['kind'],
  width: number,
  height: number,
  byteCount: number,
): UploadCandidate {
  return { kind, width, height, bytes: new Uint8Array(byteCount) };
}

/** A JPEG of `width` x `height` cut from a golden, as a camera or a thumbnailer would hand over. */
async function jpeg(width: number, height: number): Promise<Buffer> {
  return sharp(await readFile(join(REFERENCE_IMAGES, 'coffee.png')))
    .resize(width, height)
    .jpeg()
    .toBuffer();
}

describe('chooseUpload', () => {
  it('sends the candidate billed the fewest tiles, even when it has more bytes', () => {
    const original = candidate('original', 320, 320, 20_000);
    const resized = candidate('resized', 224, 224, 60_000);
    expect(chooseUpload([original, resized], 224)).toBe(resized);
  });

  it('among candidates billed alike, sends the fewest bytes; on a tie the first', () => {
    const original = candidate('original', 224, 224, 20_000);
    expect(chooseUpload([original, candidate('resized', 224, 224, 60_000)], 224)).toBe(original);
    const smaller = candidate('resized', 224, 224, 19_999);
    expect(chooseUpload([original, smaller], 224)).toBe(smaller);
    expect(chooseUpload([original, candidate('resized', 224, 224, 20_000)], 224)).toBe(original);
  });

  it('counts started tiles on both axes', () => {
    expect(billedTiles(320, 213, 224)).toBe(2);
    expect(billedTiles(1200, 800, 224)).toBe(24);
    expect(billedTiles(512, 512, 512)).toBe(1);
    expect(billedTiles(513, 512, 512)).toBe(2);
  });

  it('refuses an empty list', () => {
    expect(() => chooseUpload([], 224)).toThrow(RangeError);
  });
});

describe('encodeImageForUpload', () => {
  it('with resize, sends the preprocessed pixels as lossless WebP that decodes back to them exactly', async () => {
    const bytes = await readFile(join(REFERENCE_IMAGES, 'chelsea_exif6.jpg'));
    const upload = await encodeImageForUpload(bytes, v1, { resize: true });
    expect([upload.kind, upload.width, upload.height]).toEqual(['resized', 224, 224]);
    const sent = Buffer.from(upload.base64, 'base64');
    const { data, info } = await sharp(sent).raw().toBuffer({ resolveWithObject: true });
    expect(LOSSLESS_UPLOAD_FORMAT).toBe('webp');
    expect((await sharp(sent).metadata()).format).toBe('webp');
    expect(sent.toString('ascii', 12, 16)).toBe('VP8L');
    expect([info.width, info.height, info.channels]).toEqual([224, 224, 3]);
    const preprocessed = await preprocessImage(bytes, v1);
    expect(Buffer.compare(data, Buffer.from(preprocessed.data))).toBe(0);
  });

  it('with resize, a large photo shrinks to one tile of the model size', async () => {
    const upload = await encodeImageForUpload(await jpeg(1200, 800), v2, { resize: true });
    expect([upload.kind, upload.width, upload.height]).toEqual(['resized', 512, 512]);
    expect((await sharp(Buffer.from(upload.base64, 'base64')).metadata()).width).toBe(512);
  });

  it('v1: a 320x213 JPEG goes as the 224 px square, one tile instead of two', async () => {
    const bytes = await jpeg(320, 213);
    const upload = await encodeImageForUpload(bytes, v1, { resize: true });
    expect([upload.kind, upload.width, upload.height]).toEqual(['resized', 224, 224]);
    expect(billedTiles(upload.width, upload.height, v1.size)).toBe(1);
    expect(billedTiles(320, 213, v1.size)).toBe(2);
    const sent = Buffer.from(upload.base64, 'base64');
    const pixels = await sharp(sent).raw().toBuffer();
    expect(Buffer.compare(pixels, Buffer.from((await preprocessImage(bytes, v1)).data))).toBe(0);
  });

  it('never sends more pixels than the original: a 320x213 JPEG goes as it is to v2 (512x512 holds more)', async () => {
    const bytes = await jpeg(320, 213);
    const upload = await encodeImageForUpload(bytes, v2, { resize: true });
    expect(upload).toEqual({
      base64: bytes.toString('base64'),
      width: 320,
      height: 213,
      kind: 'original',
    });
  });

  it('v2: a 640x480 photo goes as the 512 px square, one tile instead of two', async () => {
    const bytes = await jpeg(640, 480);
    const upload = await encodeImageForUpload(bytes, v2, { resize: true });
    expect([upload.kind, upload.width, upload.height]).toEqual(['resized', 512, 512]);
    expect(billedTiles(upload.width, upload.height, v2.size)).toBe(1);
    expect(billedTiles(640, 480, v2.size)).toBe(2);
  });

  it('an original with fewer pixels than the model square goes as it is, even billed more tiles', async () => {
    // 400x100 holds 40,000 pixels, fewer than 224 x 224 = 50,176: two tiles, not a larger square.
    const bytes = await jpeg(400, 100);
    const upload = await encodeImageForUpload(bytes, v1, { resize: true });
    expect([upload.kind, upload.width, upload.height]).toEqual(['original', 400, 100]);
    expect(billedTiles(upload.width, upload.height, v1.size)).toBe(2);
  });

  it('an original already at the model size goes as it is when it is the smaller file', async () => {
    const bytes = await jpeg(224, 224);
    const upload = await encodeImageForUpload(bytes, v1, { resize: true });
    expect([upload.kind, upload.base64]).toEqual(['original', bytes.toString('base64')]);
  });

  it('an original at the model size that lossless WebP makes smaller goes resized', async () => {
    // A flat 224 px PNG, stored uncompressed: the same pixels in a fraction of the bytes.
    const bytes = await sharp({
      create: { width: 224, height: 224, channels: 3, background: '#808040' },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const upload = await encodeImageForUpload(bytes, v1, { resize: true });
    expect(upload.kind).toBe('resized');
    const sent = Buffer.from(upload.base64, 'base64');
    expect(sent.length).toBeLessThan(bytes.length / 10);
    const pixels = await sharp(sent).raw().toBuffer();
    expect(Buffer.compare(pixels, await sharp(bytes).raw().toBuffer())).toBe(0);
  });

  it('without resize, sends the original bytes untouched, with their oriented size', async () => {
    const bytes = await readFile(join(REFERENCE_IMAGES, 'chelsea_exif6.jpg'));
    const upload = await encodeImageForUpload(bytes, v1, { resize: false });
    expect(upload.base64).toBe(bytes.toString('base64'));
    expect([upload.kind, upload.width, upload.height]).toEqual(['original', 451, 300]);
  });

  it('rejects bytes that are not an image with the decoder error', async () => {
    await expect(
      encodeImageForUpload(new TextEncoder().encode('not an image'), v1, { resize: true }),
    ).rejects.toThrow(/unsupported image format/);
  });

  it.each([
    ['a truncated JPEG without resize', 'jpeg', false, /premature end of JPEG/i],
    ['a truncated PNG with fewer pixels than the model square', 'png', true, /libs?png read error/],
  ] as const)(
    'decodes the original in full before sending it: rejects %s',
    async (_label, format, resize, words) => {
      const whole = await sharp(await jpeg(200, 150))
        [format]()
        .toBuffer();
      const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
      // The header is intact: only a full decode finds the missing rows.
      expect((await sharp(cut).metadata()).width).toBe(200);
      await expect(encodeImageForUpload(cut, v1, { resize })).rejects.toThrow(words);
    },
  );
});

describe('encodeImageForUpload without sharp installed', () => {
  let directory: string;
  let register: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'jina-clip-no-sharp-'));
    register = await writeHideSharpHook(directory);
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
      ['--import', register, '--import', 'tsx', join(directory, 'main.mts')],
      { cwd: join(HERE, '..', '..') },
    );
    const result = JSON.parse(stdout);
    const original = {
      base64: Buffer.from([1, 2, 3, 250]).toString('base64'),
      width: 0,
      height: 0,
      kind: 'original',
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
