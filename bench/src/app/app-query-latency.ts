/**
 * The search app's query latency: the app (examples/src/search-app) started as a user starts it,
 * on the tiny generated jina-clip-v1, over a folder of generated images; text and image queries
 * timed on the server (embedding + LanceDB search, as the app reports it) and in Debian's
 * chromium (from submitting the query to the first thumbnail loaded).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTinyModelRepo } from 'jina-clip-runtime/testing';
import { launchChromium } from '../../../examples/src/search-app/browser/launch-chromium.js';
import { startAppProcess } from '../../../examples/src/search-app/browser/start-app-process.js';
import { quantile } from '../measurement/latency-summary.js';
import { createSeededRandom } from '../workloads/seeded-random.js';
import { makeTinyImageFolder } from './tiny-image-folder.js';

/** Options of {@link measureAppQueryLatency}. */
export interface AppQueryLatencyOptions {
  /** Images to index. @default 10000 */
  images?: number;
  /** Queries of each kind timed on the server. @default 200 */
  serverQueries?: number;
  /** Queries of each kind timed in the browser. @default 50 */
  browserQueries?: number;
  /** Where the images and the tiny model are kept between runs. */
  cacheDir: string;
  /** A fresh folder for the app's LanceDB store and thumbnails. */
  scratch: string;
  /** Progress lines. */
  log: (line: string) => void;
}

/** p50 and p95 of a list of milliseconds. */
export interface Percentiles {
  count: number;
  p50Ms: number;
  p95Ms: number;
}

/** What {@link measureAppQueryLatency} resolves to (`app-latency.json`). */
export interface AppQueryLatencyResults {
  images: number;
  /** The app's ingestion of the folder, seconds and items per second. */
  indexing: { seconds: number; itemsPerSecond: number; rows: number; chunkSize: number };
  /** Server time (embedding + search) per query, and its two parts' medians. */
  server: Record<'text' | 'image', Percentiles & { embedP50Ms: number; searchP50Ms: number }>;
  /** Browser time from submitting a query to the first thumbnail loaded. */
  browser: Record<'text' | 'image', Percentiles>;
}

/** Files per ingestion chunk: fewer, larger LanceDB fragments for 10,000 rows. */
const CHUNK_SIZE = 256;

/**
 * Runs in the page (as source text: tsx's transform would add helpers the page lacks): clears
 * the results, submits the query as the page's own controls do, and resolves the milliseconds
 * until the first result's thumbnail has loaded.
 */
const TIME_IN_PAGE = `async (query) => {
  const results = document.getElementById('results');
  results.replaceChildren();
  const firstThumbnail = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const image = results.querySelector('li.result img');
      if (image === null) return;
      observer.disconnect();
      if (image.complete && image.naturalWidth > 0) resolve();
      else image.addEventListener('load', () => resolve(), { once: true });
    });
    observer.observe(results, { childList: true });
  });
  const started = performance.now();
  if ('text' in query) {
    document.getElementById('query-text').value = query.text;
    document.getElementById('text-form').requestSubmit();
  } else {
    const files = new DataTransfer();
    files.items.add(new File([new Uint8Array(query.png)], 'query.png', { type: 'image/png' }));
    const input = document.getElementById('query-image');
    input.files = files.files;
    input.dispatchEvent(new Event('change'));
  }
  await firstThumbnail;
  return performance.now() - started;
}`;

function percentiles(values: readonly number[]): Percentiles {
  return { count: values.length, p50Ms: quantile(values, 0.5), p95Ms: quantile(values, 0.95) };
}

/** Runs the app over the images and times its queries. */
export async function measureAppQueryLatency(
  options: AppQueryLatencyOptions,
): Promise<AppQueryLatencyResults> {
  const { cacheDir, scratch, log } = options;
  const count = options.images ?? 10_000;
  const serverQueries = options.serverQueries ?? 200;
  const browserQueries = options.browserQueries ?? 50;
  log(`${count} generated images in ${join(cacheDir, `app-images-${count}`)}…`);
  const folder = join(cacheDir, `app-images-${count}`);
  const paths = await makeTinyImageFolder(folder, count);
  const repo = await writeTinyModelRepo(join(cacheDir, 'app-tiny-jina-clip-v1'), {
    model: 'jina-clip-v1',
  });
  const started = performance.now();
  const app = await startAppProcess({
    folder,
    databaseDirectory: join(scratch, 'lancedb'),
    modelPath: repo.directory,
    args: ['--chunk-size', String(CHUNK_SIZE)],
  });
  try {
    let state: { phase: string; done: number; total: number; rows: number | null };
    let lastLog = 0;
    for (;;) {
      state = ((await (await fetch(`${app.url}api/status`)).json()) as { indexing: typeof state })
        .indexing;
      if (state.phase === 'done' || state.phase === 'failed') break;
      if (performance.now() - lastLog > 10_000) {
        log(`  indexing: ${state.done} of ${state.total}`);
        lastLog = performance.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const seconds = (performance.now() - started) / 1000;
    if (state.phase !== 'done' || state.rows !== count) {
      throw new Error(
        `The app did not index the folder: ${JSON.stringify(state)}\n${app.output()}`,
      );
    }
    log(`  indexed ${count} images in ${seconds.toFixed(1)} s (model load and start included)`);
    const random = createSeededRandom(7);
    const pickImage = () => paths[random.integer(0, paths.length - 1)]!;

    type Timing = { totalMs: number; embedMs: number; searchMs: number };
    const serverTimes = async (kind: 'text' | 'image', queries: number) => {
      const timings: Timing[] = [];
      for (let index = -5; index < queries; index += 1) {
        const response =
          kind === 'text'
            ? await fetch(
                `${app.url}api/search?kind=image&text=${encodeURIComponent(`a photo number ${index}`)}`,
              )
            : await fetch(`${app.url}api/search/image?kind=image`, {
                method: 'POST',
                body: await readFile(pickImage()),
              });
        const body = (await response.json()) as { timing: Timing; results: unknown[] };
        if (!response.ok || body.results.length === 0) {
          throw new Error(`A ${kind} query failed: ${JSON.stringify(body)}`);
        }
        // The first five warm up (JIT, caches); not counted.
        if (index >= 0) timings.push(body.timing);
      }
      return {
        ...percentiles(timings.map((each) => each.totalMs)),
        embedP50Ms: quantile(
          timings.map((each) => each.embedMs),
          0.5,
        ),
        searchP50Ms: quantile(
          timings.map((each) => each.searchMs),
          0.5,
        ),
      };
    };
    log(`  server: ${serverQueries} text and ${serverQueries} image queries…`);
    const server = {
      text: await serverTimes('text', serverQueries),
      image: await serverTimes('image', serverQueries),
    };

    log(`  browser: ${browserQueries} text and ${browserQueries} image queries…`);
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(app.url);
      await page.locator('body[data-ready="true"]').waitFor();
      await page.getByLabel('Images', { exact: true }).check();
      /** Submits a query in the page and times it to the first thumbnail loaded. */
      const timeInPage = (query: { text: string } | { png: number[] }) =>
        page.evaluate(`(${TIME_IN_PAGE})(${JSON.stringify(query)})`) as Promise<number>;
      const browserTimes = async (kind: 'text' | 'image') => {
        const times: number[] = [];
        for (let index = -3; index < browserQueries; index += 1) {
          const time =
            kind === 'text'
              ? await timeInPage({ text: `a picture of item ${index}` })
              : await timeInPage({ png: [...(await readFile(pickImage()))] });
          if (index >= 0) times.push(time);
        }
        return percentiles(times);
      };
      const inBrowser = { text: await browserTimes('text'), image: await browserTimes('image') };
      return {
        images: count,
        indexing: {
          seconds,
          itemsPerSecond: count / seconds,
          rows: state.rows,
          chunkSize: CHUNK_SIZE,
        },
        server,
        browser: inBrowser,
      };
    } finally {
      await browser.close();
    }
  } finally {
    await app.close();
  }
}

/** The figures as a small Markdown table. */
export function appLatencyTable(results: AppQueryLatencyResults): string {
  const row = (what: string, value: Percentiles) =>
    `| ${what} | ${value.count} | ${value.p50Ms.toFixed(1)} | ${value.p95Ms.toFixed(1)} |`;
  return [
    `Search app over ${results.images} indexed images (tiny jina-clip-v1): indexed in ${results.indexing.seconds.toFixed(1)} s (${results.indexing.itemsPerSecond.toFixed(0)} items/s)`,
    '',
    '| query | n | p50 ms | p95 ms |',
    '| --- | ---: | ---: | ---: |',
    row('text, server (embed + search)', results.server.text),
    row('image, server (embed + search)', results.server.image),
    row('text, browser to first thumbnail', results.browser.text),
    row('image, browser to first thumbnail', results.browser.image),
    '',
    `Server medians: text embed ${results.server.text.embedP50Ms.toFixed(1)} ms + search ${results.server.text.searchP50Ms.toFixed(1)} ms; image embed ${results.server.image.embedP50Ms.toFixed(1)} ms + search ${results.server.image.searchP50Ms.toFixed(1)} ms.`,
  ].join('\n');
}
