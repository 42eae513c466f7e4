/**
 * The search app in a real browser: Debian's chromium driven by playwright-core (one launch for
 * the file), the app started as a user starts it (a child process printing its URL) on a tiny
 * generated model, indexing a copy of examples/data with one corrupt image added.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { connect } from '@lancedb/lancedb';
import { cosineSimilarity, writeTinyModelRepo } from 'jina-clip-runtime/testing';
import { JinaClipEmbeddings } from 'langchain-jina-clip';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readDataFolder, SAMPLE_DATA } from '../data-folder.js';
import { type LaunchedChromium, launchChromium } from './browser/launch-chromium.js';
import { type AppProcess, startAppProcess } from './browser/start-app-process.js';

let scratch: string;
let folder: string;
let databaseDirectory: string;
let app: AppProcess;
let modelPath: string;
let browser: LaunchedChromium;
/** The images' and texts' vectors, embedded here (not by the app) to check its rankings. */
let embeddings: JinaClipEmbeddings;
let imageVectors: Map<string, number[]>;
/** Console errors and uncaught exceptions of every page the test opened. */
let pageErrors: string[] = [];

/** A JPEG header, then garbage: the runtime refuses it with ImageLoadError 'undecodable'. */
const CORRUPT_JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 1, 2, 3]);

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'jina-clip-search-app-'));
  folder = join(scratch, 'data');
  databaseDirectory = join(scratch, 'lancedb');
  await cp(SAMPLE_DATA, folder, { recursive: true });
  await writeFile(join(folder, 'images', 'broken.jpg'), CORRUPT_JPEG);
  const repo = await writeTinyModelRepo(join(scratch, 'tiny-jina-clip-v1'), {
    model: 'jina-clip-v1',
  });
  modelPath = repo.directory;
  [app, browser] = await Promise.all([
    startAppProcess({
      folder,
      databaseDirectory,
      modelPath: repo.directory,
      args: ['--chunk-size', '2'],
    }),
    launchChromium(),
  ]);
  embeddings = new JinaClipEmbeddings({ backend: 'local', modelPath: repo.directory });
  const images = (await readDataFolder(SAMPLE_DATA)).filter((item) => item.kind === 'image');
  const vectors = await embeddings.embedImages(images.map((item) => item.path));
  imageVectors = new Map(images.map((item, index) => [item.id, vectors[index]!]));
});

afterAll(async () => {
  await Promise.allSettled([browser?.close(), app?.close(), embeddings?.close()]);
  await rm(scratch, { recursive: true, force: true });
});

afterEach(() => {
  const errors = pageErrors;
  pageErrors = [];
  expect(errors).toEqual([]);
});

/** A new page on the app, its console errors recorded; resolves once its script has started. */
async function openApp(): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => pageErrors.push(`page: ${error.message}`));
  await page.goto(app.url);
  await page.locator('body[data-ready="true"]').waitFor();
  return page;
}

/** The results shown: id, kind and score of each, in page order, once they are there. */
async function shownResults(page: Page) {
  await page.locator('#results[aria-busy="false"] li.result').first().waitFor();
  return page.locator('#results li.result').evaluateAll((items) =>
    items.map((item) => ({
      id: (item as HTMLElement).dataset.id!,
      kind: (item as HTMLElement).dataset.kind!,
      score: Number((item as HTMLElement).dataset.score),
      shownScore: item.querySelector('.score')!.textContent,
      thumbnail: item.querySelector('img')?.getAttribute('src') ?? null,
    })),
  );
}

/** Waits for a new set of results after `action` (the old ones are replaced). */
async function resultsAfter(page: Page, action: () => Promise<void>) {
  await Promise.all([
    page.waitForResponse((each) => /\/api\/(search|similar)/.test(each.url())),
    action(),
  ]);
  return shownResults(page);
}

describe('the search app in chromium', () => {
  it('loads with its security policy, the tiny-model notice, and no console errors', async () => {
    const page = await openApp();
    await page.locator('#indexing[data-phase="done"]').waitFor({ timeout: 60_000 });
    const response = await page.request.get(app.url);
    expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers()['content-security-policy']).not.toContain('unsafe-inline');
    await expect
      .poll(() => page.locator('#notice').textContent())
      .toContain('is a tiny random-weight test model (16-wide vectors; the real one gives 768)');
    expect(await page.locator('#about').textContent()).toContain(
      'jina-clip-v1 on the local backend',
    );
    expect(app.output()).toMatch(/^Search app: http:\/\/127\.0\.0\.1:\d+\/$/m);
    await page.close();
  });

  it('shows the indexing progress to its end, with the corrupt file and its typed error, matching the store', async () => {
    const page = await openApp();
    await page.locator('#indexing[data-phase="done"]').waitFor({ timeout: 60_000 });
    // Ten good files and one corrupt: every file done, ten rows.
    expect(await page.locator('#indexing-text').textContent()).toMatch(
      /^Done: 11 of 11 items · 10 in the index$/,
    );
    expect(
      await page
        .locator('#indexing-bar')
        .evaluate((bar: HTMLProgressElement) => [bar.value, bar.max]),
    ).toEqual([11, 11]);
    expect(await page.locator('#failures-summary').textContent()).toBe('1 skipped file');
    expect(await page.locator('#failures-list li').allTextContents()).toEqual([
      expect.stringMatching(
        /^images\/broken\.jpg: ImageLoadError \(undecodable\): Input \d+: cannot decode image /,
      ),
    ]);
    const database = await connect(databaseDirectory);
    const tables = (await database.tableNames()).filter((name) => name.startsWith('search_app_'));
    expect(tables).toHaveLength(1);
    expect(await (await database.openTable(tables[0]!)).countRows()).toBe(10);
    await page.close();
  });

  it('streams the progress live while it indexes (item by item), then on a restart embeds only the new files', async () => {
    const second = join(scratch, 'lancedb-live');
    const live = await startAppProcess({
      folder,
      databaseDirectory: second,
      modelPath,
      args: ['--chunk-size', '1'],
    });
    try {
      const page = await browser.context.newPage();
      await page.goto(live.url);
      // Every line the status shows, as the page shows it.
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { seen: string[] }).seen = seen;
        const text = document.getElementById('indexing-text')!;
        new MutationObserver(() => seen.push(text.textContent ?? '')).observe(text, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });
      await page.locator('#indexing[data-phase="done"]').waitFor({ timeout: 60_000 });
      const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
      const running = seen.filter((line) => /^\d+ of 11 items · /.test(line));
      expect(running.length).toBeGreaterThan(0);
      for (const line of running) {
        expect(line).toMatch(/^\d+ of 11 items · \d+(\.\d)? items\/s · about (\d+ s|…) left$/);
      }
      // Some state between the first file and the last was shown.
      expect(running.some((line) => /^([1-9]|10) of 11 items/.test(line))).toBe(true);
      expect(seen.at(-1)).toBe('Done: 11 of 11 items · 10 in the index');
      await page.close();
    } finally {
      await live.close();
    }
    // A restart on the same store with one more file: only the new file and the corrupt one
    // (skipped again) are embedded.
    await writeFile(join(folder, 'texts', 'zebra.txt'), 'A zebra grazing on a savanna at dusk.');
    const restarted = await startAppProcess({ folder, databaseDirectory: second, modelPath });
    try {
      const page = await browser.context.newPage();
      await page.goto(restarted.url);
      await page.locator('#indexing[data-phase="done"]').waitFor({ timeout: 60_000 });
      expect(await page.locator('#indexing-text').textContent()).toBe(
        'Done: 12 of 12 items · 11 in the index (10 from an earlier run)',
      );
      await page.close();
    } finally {
      await restarted.close();
      await rm(join(folder, 'texts', 'zebra.txt'));
    }
  });

  it('embeds and searches at a Matryoshka width of jina-clip-v2 set on the command line', async () => {
    // 64 wide, so that 32 is a width of the real model (checked first) and of this one.
    const v2 = await writeTinyModelRepo(join(scratch, 'tiny-jina-clip-v2'), {
      model: 'jina-clip-v2',
      width: 64,
    });
    const narrow = await startAppProcess({
      folder,
      databaseDirectory: join(scratch, 'lancedb-v2'),
      modelPath: v2.directory,
      args: ['--dimensions', '32'],
      environment: { JINA_CLIP_MODEL: 'jina-clip-v2' },
    });
    try {
      const page = await browser.context.newPage();
      await page.goto(narrow.url);
      await page.locator('#indexing[data-phase="done"]').waitFor({ timeout: 60_000 });
      expect(await page.locator('#about').textContent()).toContain(
        'jina-clip-v2 on the local backend',
      );
      expect(await page.locator('#about').textContent()).toContain(
        'Matryoshka width 32 of 8, 16, 32, 64 (set with --dimensions)',
      );
      const results = await resultsAfter(page, () =>
        page
          .getByLabel('Search by image', { exact: true })
          .setInputFiles(join(SAMPLE_DATA, 'images', 'cat.jpg')),
      );
      expect(results[0]!.id).toBe('images/cat.jpg');
      expect(results[0]!.score).toBeCloseTo(1, 4);
      await page.close();
      const database = await connect(join(scratch, 'lancedb-v2'));
      const [table] = await database.tableNames();
      const [row] = await (await database.openTable(table!)).query().limit(1).toArray();
      expect(Array.from(row.vector as Iterable<number>)).toHaveLength(32);
    } finally {
      await narrow.close();
    }
  });

  it('answers a text query with image thumbnails in score order, the cosine scores of the model', async () => {
    const page = await openApp();
    await page.locator('#indexing[data-phase="done"]').waitFor({ timeout: 60_000 });
    await page.getByLabel('Images', { exact: true }).check();
    const text = 'a cat looking up';
    const results = await resultsAfter(page, async () => {
      await page.getByLabel('Search by text').fill(text);
      await page.getByRole('button', { name: 'Search', exact: true }).first().click();
    });
    const query = await embeddings.embedQuery(text);
    const expected = [...imageVectors]
      .map(([id, vector]) => ({ id, score: cosineSimilarity(query, vector) }))
      .sort((a, b) => b.score - a.score);
    expect(results.map((result) => result.id)).toEqual(expected.map((each) => each.id));
    results.forEach((result, index) => {
      expect(result.kind).toBe('image');
      expect(result.score).toBeCloseTo(expected[index]!.score, 4);
      expect(result.shownScore).toBe(result.score.toFixed(4));
      expect(result.thumbnail).toBe(`/thumbnails/small?id=${encodeURIComponent(result.id)}`);
    });
    // The first thumbnail loads (a WebP from the server) and replaces its placeholder.
    await page.locator('#results li.result').first().locator('.thumbnail-frame.loaded').waitFor();
    const size = await page
      .locator('#results li.result img')
      .first()
      .evaluate((image: HTMLImageElement) => [image.naturalWidth, image.naturalHeight]);
    expect(Math.max(...size)).toBe(256);
    // The server made it once and keeps it on disk: asking again makes no new file, and the
    // answer is the kept file.
    const cache = join(databaseDirectory, 'thumbnails');
    const kept = (await readdir(cache)).filter((name) => name.endsWith('.webp'));
    expect(kept.length).toBeGreaterThan(0);
    const thumbnail = await page.request.get(new URL(results[0]!.thumbnail!, app.url).href);
    expect(thumbnail.headers()['content-type']).toBe('image/webp');
    expect((await readdir(cache)).filter((name) => name.endsWith('.webp'))).toEqual(kept);
    const body = await thumbnail.body();
    const files = await Promise.all(kept.map((name) => readFile(join(cache, name))));
    expect(files.some((file) => file.equals(body))).toBe(true);
    await page.close();
  });

  it('ranks an uploaded indexed image first, as itself, with cosine 1', async () => {
    const page = await openApp();
    await page.locator('#indexing[data-phase="done"]').waitFor({ timeout: 60_000 });
    const results = await resultsAfter(page, () =>
      page
        .getByLabel('Search by image', { exact: true })
        .setInputFiles(join(SAMPLE_DATA, 'images', 'coffee.jpg')),
    );
    expect(results[0]!.id).toBe('images/coffee.jpg');
    expect(results[0]!.score).toBeCloseTo(1, 4);
    expect(results[1]!.score).toBeLessThan(results[0]!.score);
    // Both kinds from one vector space, in score order.
    expect(new Set(results.map((result) => result.kind))).toEqual(new Set(['image', 'text']));
    const scores = results.map((result) => result.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    await page.close();
  });

  it('finds a result itself first with "more like this", from the grid and from the detail view', async () => {
    const page = await openApp();
    await page.locator('#indexing[data-phase="done"]').waitFor({ timeout: 60_000 });
    const first = await resultsAfter(page, async () => {
      await page.getByLabel('Search by text').fill('a red motorcycle');
      await page.getByLabel('Search by text').press('Enter');
    });
    const third = first[2]!;
    const similar = await resultsAfter(page, () =>
      page.getByRole('button', { name: `More like ${third.id}` }).click(),
    );
    expect(similar[0]!.id).toBe(third.id);
    expect(similar[0]!.score).toBeCloseTo(1, 4);
    // The detail view of the second result, then its own "more like this".
    const second = similar[1]!;
    await page.locator('#results li.result').nth(1).locator('.result-open').click();
    await expect.poll(() => page.locator('#detail').getAttribute('open')).toBe('');
    expect(await page.locator('#detail-title').textContent()).toBe(second.id);
    expect(await page.locator('#detail-score').textContent()).toBe(
      `${second.kind} · cosine ${second.score.toFixed(4)}`,
    );
    const fromDetail = await resultsAfter(page, () => page.locator('#detail-similar').click());
    expect(fromDetail[0]!.id).toBe(second.id);
    expect(fromDetail[0]!.score).toBeCloseTo(1, 4);
    await page.close();
  });

  it('takes an image query dropped on the page or pasted into it', async () => {
    const page = await openApp();
    await page.locator('#indexing[data-phase="done"]').waitFor({ timeout: 60_000 });
    const bytes = [...(await readFile(join(SAMPLE_DATA, 'images', 'astronaut.jpg')))];
    for (const how of ['drop', 'paste'] as const) {
      const results = await resultsAfter(page, () =>
        page.evaluate(
          ({ bytes, how }) => {
            const data = new DataTransfer();
            data.items.add(
              new File([new Uint8Array(bytes)], 'astronaut.jpg', { type: 'image/jpeg' }),
            );
            const event =
              how === 'drop'
                ? new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true })
                : new ClipboardEvent('paste', {
                    clipboardData: data,
                    bubbles: true,
                    cancelable: true,
                  });
            document.body.dispatchEvent(event);
          },
          { bytes, how },
        ),
      );
      expect(results[0]!.id, how).toBe('images/astronaut.jpg');
      expect(results[0]!.score, how).toBeCloseTo(1, 4);
      expect(await page.locator('#query-summary').textContent(), how).toBe(
        `Image: astronaut.jpg · ${results.length} results`,
      );
    }
    await page.close();
  });

  it('shows the ImageLoadError reason of a corrupt upload, and no results', async () => {
    const page = await openApp();
    const [response] = await Promise.all([
      page.waitForResponse((each) => each.url().includes('/api/search/image')),
      page.getByLabel('Search by image', { exact: true }).setInputFiles({
        name: 'broken.jpg',
        mimeType: 'image/jpeg',
        buffer: CORRUPT_JPEG,
      }),
    ]);
    expect(response.status()).toBe(422);
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toMatch(/^ImageLoadError \(undecodable\): Input 0: cannot decode image /);
    expect(await page.locator('#results li').count()).toBe(0);
    // A browser reports a failed fetch as a console error; this one is the test's own.
    pageErrors = pageErrors.filter((line) => !line.includes('422'));
    await page.close();
  });

  it("refuses uploads past the runtime's limits with ImageLoadError: bytes, pixels, formats", async () => {
    const upload = (body: Buffer) =>
      browser.context.request.post(`${app.url}api/search/image`, {
        data: body,
        headers: { 'content-type': 'application/octet-stream' },
      });
    const refusal = async (body: Buffer) => {
      const response = await upload(body);
      return { status: response.status(), ...((await response.json()).error as object) };
    };
    // One byte over maxImageBytes (32 MiB): refused before the runtime reads it.
    expect(await refusal(Buffer.alloc(32 * 1024 * 1024 + 1))).toMatchObject({
      status: 413,
      name: 'ImageLoadError',
      reason: 'too-large',
    });
    // A PNG header claiming 20000 × 20000 pixels: refused from the header, before decoding.
    const chunk = (type: string, data: Buffer) => {
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(data.length);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(body));
      return Buffer.concat([length, body, crc]);
    };
    const header = Buffer.alloc(13);
    header.writeUInt32BE(20_000, 0);
    header.writeUInt32BE(20_000, 4);
    header.set([8, 2, 0, 0, 0], 8);
    const bomb = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(Buffer.alloc(1024))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    expect(await refusal(bomb)).toMatchObject({
      status: 422,
      name: 'ImageLoadError',
      reason: 'too-many-pixels',
    });
    // A vector format.
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    expect(await refusal(svg)).toMatchObject({
      status: 422,
      name: 'ImageLoadError',
      reason: 'unsupported-format',
    });
  });

  it('searches with the keyboard alone: tab to the box, type, Enter, open a result, Escape', async () => {
    const page = await openApp();
    await page.locator('#indexing[data-phase="done"]').waitFor({ timeout: 60_000 });
    // The first stop is the skip link, which jumps over the indexing panel to the search box.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to search');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('query-text');
    const results = await resultsAfter(page, async () => {
      await page.keyboard.type('a cup of coffee');
      await page.keyboard.press('Enter');
    });
    expect(results.length).toBeGreaterThan(0);
    // From the search box, the next stops are its button, the image picker, the URL form, the
    // kind filter, then the first result.
    let steps = 0;
    while (
      (await page.evaluate(() => document.activeElement?.classList.contains('result-open'))) !==
        true &&
      steps < 12
    ) {
      await page.keyboard.press('Tab');
      steps += 1;
    }
    expect(steps).toBeLessThan(12);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#detail').getAttribute('open')).toBe('');
    expect(await page.locator('#detail-title').textContent()).toBe(results[0]!.id);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#detail').getAttribute('open')).toBeNull();
    await page.close();
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    const page = await openApp();
    await page.setViewportSize({ width: 360, height: 740 });
    await resultsAfter(page, () =>
      page
        .getByLabel('Search by image', { exact: true })
        .setInputFiles(join(SAMPLE_DATA, 'images', 'cat.jpg')),
    );
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true);
    await page.close();
  });

  it('serves thumbnails by indexed id only, never a path', async () => {
    const request = browser.context.request;
    for (const id of ['../../etc/passwd', '/etc/passwd', 'texts/cat.txt', 'images/broken.jpg']) {
      const response = await request.get(`${app.url}thumbnails/small?id=${encodeURIComponent(id)}`);
      expect(response.status(), id).toBe(404);
    }
    expect((await request.get(`${app.url}thumbnails/huge?id=images%2Fcat.jpg`)).status()).toBe(404);
    const good = await request.get(`${app.url}thumbnails/large?id=images%2Fcat.jpg`);
    expect(good.status()).toBe(200);
    expect((await good.body()).subarray(8, 12).toString()).toBe('WEBP');
    // A URL query to a loopback address is refused by the runtime's URL policy.
    const blocked = await request.get(
      `${app.url}api/search?url=${encodeURIComponent(`${app.url}thumbnails/small?id=images%2Fcat.jpg`)}`,
    );
    expect(blocked.status()).toBe(422);
    expect((await blocked.json()).error).toMatchObject({
      name: 'ImageLoadError',
      reason: 'blocked-address',
    });
  });
});
