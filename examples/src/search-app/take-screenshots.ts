/**
 * Writes the README's pictures of the search app from the running app: a text query and an
 * image query over examples/data, in Debian's chromium, on the tiny generated model (no network
 * here), so the page shows its notice. Rerun it when the page changes:
 *
 *   npm run app:screenshots      (repository root)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { SAMPLE_DATA } from '../data-folder.js';
import { prepareOfflineModel } from '../prepare-offline-model.js';
import { launchChromium } from './browser/launch-chromium.js';
import { startAppProcess } from './browser/start-app-process.js';

const OUT = fileURLToPath(new URL('./screenshots/', import.meta.url));
const scratch = await mkdtemp(join(tmpdir(), 'jina-clip-screenshots-'));
const [app, browser] = await Promise.all([
  startAppProcess({
    folder: SAMPLE_DATA,
    databaseDirectory: join(scratch, 'lancedb'),
    modelPath: await prepareOfflineModel('jina-clip-v1'),
  }),
  launchChromium({ width: 1000, height: 940 }),
]);

/** Waits for the results and every thumbnail in them, then writes a palette PNG. */
async function capture(page: Page, name: string): Promise<void> {
  await page.locator('#results[aria-busy="false"] li.result').first().waitFor();
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll('.thumbnail-frame')).every((frame) =>
      frame.classList.contains('loaded'),
    ),
  );
  // The focus ring of the last control would show in the picture.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const png = await page.screenshot({ fullPage: false });
  const file = join(OUT, `${name}.png`);
  await sharp(png)
    .png({ palette: true, colours: 128, quality: 70, effort: 10, compressionLevel: 9 })
    .toFile(file);
  console.log(`Wrote ${file}`);
}

try {
  const page = await browser.context.newPage();
  // No fade-in or shimmer mid-way in the pictures.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(app.url);
  await page.locator('#indexing[data-phase="done"]').waitFor({ timeout: 120_000 });
  await page.getByLabel('Search by text').fill('a cat looking up');
  await page.getByLabel('Search by text').press('Enter');
  await capture(page, 'text-query');
  await page.getByLabel('Search by text').fill('');
  await page.getByLabel('Images', { exact: true }).check();
  await page
    .getByLabel('Search by image', { exact: true })
    .setInputFiles(join(SAMPLE_DATA, 'images', 'cat.jpg'));
  await page.locator('#query-summary img.query-preview').waitFor();
  await capture(page, 'image-query');
} finally {
  await Promise.allSettled([browser.close(), app.close()]);
  await rm(scratch, { recursive: true, force: true });
}
