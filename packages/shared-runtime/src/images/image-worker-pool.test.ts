import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendClosedError } from '../errors/backend-closed-error.js';
import { MODELS } from '../models/models.js';
import { workerExecArgv } from '../start-worker-thread.js';
import { defaultPreprocessConfig } from './image-preprocess-config.js';
import { ImageWorkerPool } from './image-worker-pool.js';
import { preprocessImage } from './preprocess-image.js';

const REFERENCE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'test-fixtures',
  'reference',
  'images',
);
const config = defaultPreprocessConfig({ ...MODELS['jina-clip-v1'], imageSize: 224 });
const pools: ImageWorkerPool[] = [];
const pool = (size: number) => {
  const created = new ImageWorkerPool(size);
  pools.push(created);
  return created;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((created) => created.close()));
});

describe('ImageWorkerPool', () => {
  it('returns in worker threads exactly what preprocessImage returns inline', async () => {
    const workers = pool(2);
    const astronaut = readFileSync(join(REFERENCE, 'astronaut.png'));
    // A JPEG large enough to be pre-shrunk by default: both paths, in both threads.
    const photo = await sharp(astronaut).resize(1600, 1200).jpeg({ quality: 90 }).toBuffer();
    for (const [bytes, exact] of [
      [astronaut, true],
      [photo, false],
      [photo, true],
    ] as const) {
      const inline = await preprocessImage(bytes, config, { exact });
      const threaded = await workers.preprocess(bytes, config, { exact });
      expect(threaded.width).toBe(224);
      expect(threaded.height).toBe(224);
      expect([threaded.sourceWidth, threaded.sourceHeight]).toEqual([
        inline.sourceWidth,
        inline.sourceHeight,
      ]);
      expect(Buffer.compare(Buffer.from(threaded.data), Buffer.from(inline.data))).toBe(0);
    }
  });

  it('leaves the caller bytes usable (it transfers a copy) and spreads images over its threads', async () => {
    const workers = pool(2);
    // A Buffer: its slice() is a view, so transferring that would detach the caller's bytes.
    const bytes = readFileSync(join(REFERENCE, 'chelsea.png'));
    const copy = Buffer.from(bytes);
    const images = await Promise.all(
      [1, 2, 3, 4].map(() => workers.preprocess(bytes, config, { exact: true })),
    );
    expect(bytes.buffer.byteLength).toBeGreaterThan(0);
    expect(Buffer.compare(bytes, copy)).toBe(0);
    expect(images.map((image) => image.data.length)).toEqual([1, 2, 3, 4].map(() => 224 * 224 * 3));
    expect(workers.threadCount).toBe(2);
  });

  it('transferBytes hands the buffer under the bytes to the worker without a copy', async () => {
    const workers = pool(1);
    const file = readFileSync(join(REFERENCE, 'chelsea.png'));
    const copied = await workers.preprocess(file, config, { exact: true });
    // As a file read leaves them: a view of the first bytes of a buffer one byte longer.
    const backing = new Uint8Array(file.length + 1);
    backing.set(file);
    const view = backing.subarray(0, file.length);
    const image = await workers.preprocess(view, config, { exact: true, transferBytes: true });
    expect(backing.byteLength).toBe(0); // detached: transferred, not copied
    expect(view.byteLength).toBe(0);
    expect(Buffer.compare(Buffer.from(image.data), Buffer.from(copied.data))).toBe(0);
  });

  it('size 0 preprocesses inline, with no thread', async () => {
    const inline = pool(0);
    const image = await inline.preprocess(readFileSync(join(REFERENCE, 'camera.png')), config, {
      exact: true,
    });
    expect(image.data.length).toBe(224 * 224 * 3);
    expect(inline.threadCount).toBe(0);
  });

  it("rejects with the decoder's error for bytes that are not an image, and keeps working", async () => {
    const workers = pool(1);
    await expect(
      workers.preprocess(new TextEncoder().encode('not an image'), config),
    ).rejects.toThrow(/unsupported image format/);
    const image = await workers.preprocess(readFileSync(join(REFERENCE, 'camera.png')), config, {
      exact: true,
    });
    expect(image.data.length).toBe(224 * 224 * 3);
  });

  it('close() lets the image being decoded finish, rejects the queued ones with BackendClosedError, and ends the threads', async () => {
    const workers = pool(1);
    const bytes = readFileSync(join(REFERENCE, 'coffee.png'));
    await workers.preprocess(bytes, config, { exact: true });
    expect(workers.threadCount).toBe(1);
    const first = workers.preprocess(bytes, config, { exact: true });
    // Let the first image reach the thread; the second stays queued behind it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = workers
      .preprocess(bytes, config, { exact: true })
      .catch((error: unknown) => error);
    await workers.close();
    expect(workers.threadCount).toBe(0);
    expect((await first).data.length).toBe(224 * 224 * 3);
    expect(await second).toBeInstanceOf(BackendClosedError);
    await expect(workers.preprocess(bytes, config, { exact: true })).rejects.toBeInstanceOf(
      BackendClosedError,
    );
  });

  it('never keeps the process alive while idle, even unclosed (and starts under node -e --input-type=module)', async () => {
    const pool = pathToFileURL(join(import.meta.dirname, 'image-worker-pool.ts')).href;
    const models = pathToFileURL(join(import.meta.dirname, '..', 'models', 'models.ts')).href;
    const configs = pathToFileURL(join(import.meta.dirname, 'image-preprocess-config.ts')).href;
    const script = `
      const { ImageWorkerPool } = await import(${JSON.stringify(pool)});
      const { MODELS } = await import(${JSON.stringify(models)});
      const { defaultPreprocessConfig } = await import(${JSON.stringify(configs)});
      const { readFileSync } = await import('node:fs');
      const config = defaultPreprocessConfig({ ...MODELS['jina-clip-v1'], imageSize: 224 });
      const workers = new ImageWorkerPool(2);
      const bytes = readFileSync(${JSON.stringify(join(REFERENCE, 'camera.png'))});
      const images = await Promise.all([workers.preprocess(bytes, config, { exact: true }), workers.preprocess(bytes, config, { exact: true })]);
      console.log('done', images.length, workers.threadCount);
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: join(import.meta.dirname, '..', '..'), timeout: 60_000 },
    );
    // It printed, then exited on its own with two idle threads still up (else: the timeout).
    expect(stdout.trim()).toBe('done 2 2');
  });
});

describe('workerExecArgv', () => {
  it("passes the process's loaders on, and drops what a worker refuses", () => {
    expect(
      workerExecArgv([
        '--import',
        'tsx',
        '--max-old-space-size=256',
        '--stack-size',
        '2000',
        '--input-type=module',
        '-e',
        'code',
        '--conditions=development',
      ]),
    ).toEqual(['--import', 'tsx', '--conditions=development']);
  });
});
