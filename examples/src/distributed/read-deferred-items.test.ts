import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageLoadError } from 'jina-clip-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferredItemId, itemId } from './item-id.js';
import {
  type DeferredItem,
  isTransientReadError,
  MAX_TEXT_FILE_BYTES,
  readDeferredItems,
} from './read-deferred-items.js';

const BYTES = Buffer.from('\x89PNG\r\n\x1a\n not decoded here');
const MODEL = 'jina-clip-v1';
let server: Server;
let base: string;
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'jina-clip-deferred-'));
  server = createServer((request, response) => {
    const status = /^\/status\/(\d{3})$/.exec(request.url ?? '')?.[1];
    if (request.url === '/hang') return; // never answers
    if (status !== undefined) response.writeHead(Number(status)).end();
    else response.writeHead(200).end(BYTES);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  if (folder !== undefined) {
    await rm(folder, { recursive: true, force: true });
    await rm(`${folder}-outside.png`, { force: true });
  }
});

const deferred = (source: string, modality: 'image' | 'text' = 'image'): DeferredItem => ({
  kind: 'deferred',
  id: deferredItemId(source, MODEL),
  source,
  modality,
});

describe('readDeferredItems', () => {
  it('keys downloaded bytes by their content, in the items order, and classifies each failure', async () => {
    const paths = [
      '/a.png',
      '/status/404',
      '/status/403',
      '/status/503',
      '/status/429',
      '/status/408',
      '/hang',
      '/b.png',
    ];
    const read = await readDeferredItems(
      paths.map((path) => deferred(`${base}${path}`)),
      MODEL,
      { allowPrivateNetwork: true, imageDownloadTimeout: 300 },
    );
    expect(read.map((each) => each.item.source)).toEqual(paths.map((path) => `${base}${path}`));
    const content = itemId('image', BYTES, MODEL);
    expect(read.map((each) => ('id' in each ? each.id : undefined))).toEqual([
      content,
      ...Array(6).fill(undefined),
      content,
    ]);
    expect(
      read.map((each) =>
        'error' in each
          ? [(each.error as ImageLoadError).reason, isTransientReadError(each.item, each.error)]
          : 'ok',
      ),
    ).toEqual([
      'ok',
      ['not-found', false],
      ['unreadable', false],
      ['unreadable', true],
      ['unreadable', true],
      ['unreadable', true],
      ['timeout', true],
      'ok',
    ]);
  });

  it('reads paths inside the root as a folder file is keyed: images by bytes, texts by trimmed text', async () => {
    await writeFile(join(folder, 'photo.png'), BYTES);
    await writeFile(join(folder, 'note.txt'), '  A caption from a file.\n');
    const outside = `${folder}-outside.png`;
    await writeFile(outside, BYTES);
    await writeFile(join(folder, 'huge.txt'), 'x'.repeat(MAX_TEXT_FILE_BYTES + 1));
    const read = await readDeferredItems(
      [
        deferred(join(folder, 'photo.png')),
        deferred(join(folder, 'note.txt'), 'text'),
        deferred(join(folder, 'missing.txt'), 'text'),
        deferred(outside),
        deferred(join(folder, 'huge.txt'), 'text'),
      ],
      MODEL,
      { imageFileRoot: folder },
    );
    expect(read[0]).toMatchObject({ id: itemId('image', BYTES, MODEL) });
    expect(read[1]).toMatchObject({
      id: itemId('text', 'A caption from a file.', MODEL),
      text: 'A caption from a file.',
    });
    const missing = (read[2] as { error: Error }).error;
    expect([missing.name, (missing.cause as ImageLoadError).reason]).toEqual([
      'TextLoadError',
      'not-found',
    ]);
    expect(missing.message).toMatch(/^cannot read \/.*missing\.txt: /);
    expect(((read[3] as { error: ImageLoadError }).error as ImageLoadError).reason).toBe(
      'blocked-path',
    );
    // A text file over 1 MiB is refused while reading, named, not read whole.
    const huge = (read[4] as { error: Error }).error;
    expect([
      huge.name,
      (huge.cause as ImageLoadError).reason,
      (huge.cause as ImageLoadError).limit,
    ]).toEqual(['TextLoadError', 'too-large', MAX_TEXT_FILE_BYTES]);
    // A path's failure is never retried: it will not read better next time.
    expect(
      read
        .slice(2)
        .map((each) => isTransientReadError(each.item, (each as { error: unknown }).error)),
    ).toEqual([false, false, false]);
  });

  it('refuses a private address without the opt-in, as a failure of the item, not retried', async () => {
    const [read] = await readDeferredItems([deferred(`${base}/a.png`)], MODEL, {});
    const error = (read as { error: ImageLoadError }).error;
    expect(ImageLoadError.isInstance(error)).toBe(true);
    expect(error.reason).toBe('blocked-address');
    expect(isTransientReadError(read!.item, error)).toBe(false);
  });
});
