import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JinaApiServer, startJinaApiServer } from 'jina-clip-runtime/testing';
import { JinaClipEmbeddings } from 'langchain-jina-clip';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedJobItems, type JobItemsContext } from './embed-job-items.js';
import type { IngestItem } from './ingest-item.js';
import { deferredItemId, itemId } from './item-id.js';

const MODEL = 'jina-clip-v1';
let api: JinaApiServer;
let embeddings: JinaClipEmbeddings;
let images: Server;
let base: string;
const pngs: Buffer[] = [];
let flaky = 0;

beforeAll(async () => {
  api = await startJinaApiServer();
  embeddings = new JinaClipEmbeddings({ backend: 'api', apiKey: api.apiKey, baseURL: api.url });
  for (let shade = 0; shade < 20; shade += 1) {
    pngs.push(
      await sharp({
        create: { width: 8, height: 8, channels: 3, background: { r: shade, g: 9, b: 9 } },
      })
        .png()
        .toBuffer(),
    );
  }
  images = createServer((request, response) => {
    if (request.url === '/flaky.png') flaky += 1;
    if (request.url === '/flaky.png' && flaky === 1) {
      response.writeHead(503).end();
      return;
    }
    const index = Number(/^\/(\d+)\.png(?:\?.*)?$/.exec(request.url ?? '')?.[1] ?? Number.NaN);
    const body = request.url === '/flaky.png' ? pngs[0] : pngs[index];
    response.writeHead(body === undefined ? 404 : 200).end(body);
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await embeddings?.close();
  await api?.close();
  images?.close();
});

const url = (name: string): IngestItem => ({
  kind: 'deferred',
  id: deferredItemId(`${base}/${name}`, MODEL),
  source: `${base}/${name}`,
  modality: 'image',
});

function context(extra: Partial<JobItemsContext> = {}): JobItemsContext {
  return {
    model: MODEL,
    run: 'run-1',
    lastAttempt: false,
    policy: { allowPrivateNetwork: true },
    ...extra,
  };
}

/** The number of inputs in each embeddings request since `from`. */
function batchesSince(from: number): number[] {
  return api.requests
    .slice(from)
    .filter((request) => request.path.endsWith('/embeddings'))
    .map((request) => (request.body as { input: unknown[] }).input.length);
}

describe('embedJobItems', () => {
  it('embeds read content in parts once maxHeldBytes is held, each content once', async () => {
    // 20 URLs, the 11th serving the first one's bytes again.
    const items = Array.from({ length: 20 }, (_, index) => url(`${index === 10 ? 0 : index}.png`));
    items[10] = {
      ...url('0.png'),
      id: deferredItemId(`${base}/0.png?again`, MODEL),
      source: `${base}/0.png?again`,
    };
    const before = api.requests.length;
    const whole = await embedJobItems(embeddings, items, context());
    expect(batchesSince(before)).toEqual([19]);
    const parts = api.requests.length;
    const split = await embedJobItems(embeddings, items, context({ maxHeldBytes: 1 }));
    // Groups of 8 read at once, embedded as soon as 1 byte is held: 8, 7 (one content seen), 4.
    expect(batchesSince(parts)).toEqual([8, 7, 4]);
    for (const result of [whole, split]) {
      expect(result.rows.map((row) => row.id).sort()).toEqual(
        pngs
          .filter((_, index) => index !== 10)
          .map((png) => itemId('image', png, MODEL))
          .sort(),
      );
      expect(result.failures).toEqual([]);
      // Both sources of the first content are recorded with its id.
      const first = itemId('image', pngs[0]!, MODEL);
      expect(
        result.records.filter((record) => record.id === first).map((record) => record.source),
      ).toEqual([`${base}/0.png`, `${base}/0.png?again`]);
      expect(result.records).toHaveLength(20);
    }
  });

  it('records content already stored without embedding it, and clears its earlier failure', async () => {
    const stored = itemId('image', pngs[3]!, MODEL);
    const before = api.requests.length;
    const result = await embedJobItems(
      embeddings,
      [url('3.png'), url('4.png')],
      context({
        lookup: async (ids) => ({ stored: new Set(ids.filter((id) => id === stored)), width: 768 }),
      }),
    );
    expect(batchesSince(before)).toEqual([1]);
    expect(result.alreadyStored).toBe(1);
    expect(result.rows.map((row) => row.id)).toEqual([itemId('image', pngs[4]!, MODEL)]);
    expect(result.records.map((record) => [record.source, record.id, record.dimensions])).toEqual([
      [`${base}/3.png`, stored, 768],
      [`${base}/4.png`, itemId('image', pngs[4]!, MODEL), 768],
    ]);
    expect(result.clearedFailures.sort()).toEqual([url('3.png').id, url('4.png').id].sort());
  });

  it('throws a transient read failure before its last attempt, and records a lasting one at once', async () => {
    await expect(
      embedJobItems(embeddings, [url('1.png'), url('flaky.png')], context()),
    ).rejects.toMatchObject({
      name: 'ImageLoadError',
      reason: 'unreadable',
    });
    const result = await embedJobItems(
      embeddings,
      [url('1.png'), url('404.png'), url('flaky.png')],
      context(),
    );
    expect(result.rows).toHaveLength(2);
    expect(result.failures).toEqual([
      expect.objectContaining({
        id: url('404.png').id,
        source: `${base}/404.png`,
        error: 'ImageLoadError',
      }),
    ]);
    expect(result.records.find((record) => record.source === `${base}/404.png`)).toMatchObject({
      id: url('404.png').id,
      dimensions: 0,
    });
  });
});
