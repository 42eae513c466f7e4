import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import {
  createApiBackend,
  type EmbeddingBackend,
  type EmbeddingInput,
  embedSettled,
} from 'jina-clip-runtime';
import {
  animatedWebp,
  blackPng,
  largeSvg,
  progressiveJpeg,
  tiffFile,
} from 'jina-clip-runtime/testing';
import type { HostileCase, HostileContext } from './hostile-cases.js';

/**
 * Hostile image files (issue 15): decode cost and memory that the pixel cap alone did not bound.
 * Each file is generated in the case's own process by the runtime's testing generators, from its
 * format's structure (a few kilobytes that declare gigabytes or thousands of scans).
 */

async function local(context: HostileContext, options: Record<string, unknown> = {}) {
  const { createLocalBackend } = await import('jina-clip-runtime/local');
  // Inline (imageWorkers: 0, the default on a 1-core container): stalls show in the loop.
  return createLocalBackend({ modelPath: context.tinyV1, imageWorkers: 0, ...options });
}

function api(context: HostileContext, options: Record<string, unknown> = {}): EmbeddingBackend {
  return createApiBackend({
    baseURL: context.apiUrl,
    apiKey: context.apiKey,
    model: 'jina-clip-v1',
    ...options,
  });
}

/**
 * Embeds a good image, the hostile file and a text with `embedSettled`, as a server would: the
 * good inputs must be embedded whatever the hostile one does; the case then throws the hostile
 * input's error (its row shows the typed error), or resolves when it was embedded.
 */
async function embedAmongGood(
  backend: EmbeddingBackend | Promise<EmbeddingBackend>,
  file: Uint8Array | Promise<Uint8Array>,
): Promise<void> {
  const resolved = await backend;
  try {
    const good = await blackPng(64, 48);
    const inputs: EmbeddingInput[] = [{ image: good }, { image: await file }, 'a cat'];
    const { results } = await embedSettled(resolved, inputs);
    if (results[0]!.status !== 'fulfilled' || results[2]!.status !== 'fulfilled') {
      throw new Error('a good input next to the hostile file was lost');
    }
    if (results[1]!.status === 'rejected') throw results[1]!.error;
  } finally {
    await resolved.close();
  }
}

/** The side of a square of `pixels`, scaled down (by area) for the smoke run. */
function side(context: HostileContext, pixels: number): number {
  return Math.floor(Math.sqrt(pixels * context.scale));
}

const MP = 1_000_000;

/** A 16-bit CMYK TIFF of 36 MP (6000x6000 at full scale) in 4 KB: a costly decode. */
function cmykTiff(context: HostileContext) {
  return tiffFile({
    width: side(context, 36 * MP),
    height: side(context, 36 * MP),
    bands: 4,
    bitsPerSample: 16,
    photometric: 'separated',
  });
}

/** The hostile image cases of the reliability run, in report order. */
export const HOSTILE_IMAGE_CASES: readonly HostileCase[] = [
  {
    name: '16-bit CMYK TIFF, 6000x6000 (4 KB), among good inputs, local',
    category: 'decode cost',
    expected: 'resolved',
    run: (context) => embedAmongGood(local(context), cmykTiff(context)),
  },
  {
    name: '16-bit CMYK TIFF, 6000x6000 (4 KB), among good inputs, api (resizeImages)',
    category: 'decode cost',
    expected: 'resolved',
    run: (context) => embedAmongGood(api(context), cmykTiff(context)),
  },
  {
    name: '16-bit RGBA PNG of 89 MP (696 KB), among good inputs, local inline',
    category: 'decode cost',
    expected: 'resolved',
    run: async (context) => {
      const width = side(context, 89_400_000);
      return embedAmongGood(
        local(context),
        blackPng(width, width, { bitDepth: 16, colourType: 'rgba' }),
      );
    },
  },
  {
    name: '64-band TIFF, 9000x9000 (73 KB), among good inputs, local',
    category: 'pixel layout',
    expected: 'rejected',
    run: (context) =>
      embedAmongGood(
        local(context),
        tiffFile({ width: 9000, height: 9000, bands: 64, extraSamples: Array(63).fill(0) }),
      ),
  },
  {
    name: '64-band TIFF, 9000x9000 (73 KB), among good inputs, api (resizeImages)',
    category: 'pixel layout',
    expected: 'rejected',
    run: (context) =>
      embedAmongGood(
        api(context),
        tiffFile({ width: 9000, height: 9000, bands: 64, extraSamples: Array(63).fill(0) }),
      ),
  },
  {
    name: 'progressive JPEG, 2,647 scans, 4096x4096 (220 KB), local',
    category: 'decode cost',
    expected: 'rejected',
    run: (context) => embedAmongGood(local(context), progressiveJpeg(4096, 4096, 2647)),
  },
  {
    name: 'progressive JPEG, 2,647 scans, 9459x9459 (1 MB), api (resizeImages)',
    category: 'decode cost',
    expected: 'rejected',
    run: (context) => embedAmongGood(api(context), progressiveJpeg(9459, 9459, 2647)),
  },
  {
    name: 'animated WebP, 500,000 frames (23 MB), local',
    category: 'decode cost',
    expected: 'rejected',
    run: (context) =>
      embedAmongGood(local(context), animatedWebp(Math.round(500_000 * context.scale))),
  },
  {
    name: 'animated WebP, 60,000 frames (2.8 MB), api (resizeImages)',
    category: 'decode cost',
    expected: 'rejected',
    run: (context) => embedAmongGood(api(context), animatedWebp(60_000)),
  },
  {
    name: '1-pixel-wide grey PNG of 89M rows (173 KB), local',
    category: 'decode cost',
    expected: 'rejected',
    run: (context) =>
      embedAmongGood(
        local(context),
        blackPng(1, Math.round(89 * MP * context.scale), { colourType: 'grey' }),
      ),
  },
  {
    name: '28 MB SVG of small rectangles, local',
    category: 'non-raster',
    expected: 'rejected',
    run: (context) => embedAmongGood(local(context), largeSvg(28 * MP)),
  },
  {
    name: '28 MB SVG of small rectangles, api (resizeImages)',
    category: 'non-raster',
    expected: 'rejected',
    run: (context) => embedAmongGood(api(context), largeSvg(28 * MP)),
  },
  {
    name: 'four slow progressive JPEGs (let through) while fs.stat runs, local',
    category: 'thread pool',
    expected: 'resolved',
    run: async (context) => {
      // 2,647 scans let through (maxImageScans raised): seconds of libjpeg each, on libuv's
      // threads. The case fails when an fs.stat of the same process waited over 1 s.
      const slow = progressiveJpeg(side(context, 4 * MP), side(context, 4 * MP), 2647);
      const backend = await local(context, { maxImageScans: 3000, imageDecodeTimeout: 300_000 });
      let done = false;
      let longestStatMs = 0;
      // Settled at once, so that a failure is thrown below, not reported as unhandled meanwhile.
      const settled = backend.embed(Array.from({ length: 4 }, () => ({ image: slow }))).then(
        () => undefined,
        (error: unknown) => error,
      );
      void settled.then(() => {
        done = true;
      });
      try {
        while (!done) {
          const started = performance.now();
          await stat(tmpdir());
          longestStatMs = Math.max(longestStatMs, performance.now() - started);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const error = await settled;
        if (error !== undefined) throw error;
      } finally {
        await backend.close();
      }
      if (longestStatMs > 1000) {
        throw new Error(`fs.stat waited ${Math.round(longestStatMs)} ms for a libuv thread`);
      }
    },
  },
];
