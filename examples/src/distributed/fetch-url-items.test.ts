import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ImageLoadError } from 'jina-clip-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchUrlItems, isTransientFetchError, type UrlItem } from './fetch-url-items.js';
import { itemId, urlItemId } from './item-id.js';

const BYTES = Buffer.from('\x89PNG\r\n\x1a\n not decoded here');
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const status = /^\/status\/(\d{3})$/.exec(request.url ?? '')?.[1];
    if (request.url === '/hang') return; // never answers
    if (status !== undefined) response.writeHead(Number(status)).end();
    else response.writeHead(200).end(BYTES);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server?.closeAllConnections();
  server?.close();
});

const item = (path: string): UrlItem => ({
  kind: 'url',
  id: urlItemId(`${base}${path}`, 'jina-clip-v1'),
  source: `${base}${path}`,
});

describe('fetchUrlItems', () => {
  it('keys fetched bytes by their content, in the items order, and classifies each failure', async () => {
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
    const fetched = await fetchUrlItems(paths.map(item), 'jina-clip-v1', {
      allowPrivateNetwork: true,
      imageDownloadTimeout: 300,
    });
    expect(fetched.map((each) => each.item.source)).toEqual(paths.map((path) => `${base}${path}`));
    const content = itemId('image', BYTES, 'jina-clip-v1');
    expect(fetched.map((each) => ('id' in each ? each.id : undefined))).toEqual([
      content,
      ...Array(6).fill(undefined),
      content,
    ]);
    expect(
      fetched.map((each) =>
        'error' in each
          ? [(each.error as ImageLoadError).reason, isTransientFetchError(each.error)]
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

  it('refuses a private address without the opt-in, as a failure of the item, not retried', async () => {
    const [fetched] = await fetchUrlItems([item('/a.png')], 'jina-clip-v1', {});
    expect('error' in fetched! && ImageLoadError.isInstance(fetched.error)).toBe(true);
    const error = (fetched as { error: ImageLoadError }).error;
    expect(error.reason).toBe('blocked-address');
    expect(isTransientFetchError(error)).toBe(false);
    expect(isTransientFetchError(new Error('ECONNRESET'))).toBe(false);
  });
});
