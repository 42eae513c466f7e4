import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium, installed by `.ci/install-chromium`. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const INSTALL_SCRIPT = fileURLToPath(new URL('../../../../.ci/install-chromium', import.meta.url));

/**
 * Flags for a headless Chromium on a machine with no network and no GPU, that reaches for
 * nothing but the pages it is sent to.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Installs Debian's chromium when the machine lacks it (the project's `.ci` script). */
export async function ensureChromiumInstalled(): Promise<void> {
  await promisify(execFile)(INSTALL_SCRIPT, { timeout: 600_000 });
}

/** A browser context and how to end it (the browser and its profile folder with it). */
export interface LaunchedChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Debian's chromium (installing it first when missing) with playwright-core, on a fresh
 * profile folder removed by `close`.
 * @param viewport the pages' size @default 1280 × 800
 */
export async function launchChromium(
  viewport: { width: number; height: number } = { width: 1280, height: 800 },
): Promise<LaunchedChromium> {
  await ensureChromiumInstalled();
  const profile = await mkdtemp(join(tmpdir(), 'jina-clip-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
