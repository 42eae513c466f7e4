import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalBackend } from 'jina-clip-runtime/local';
import { writeTinyModelRepo } from 'jina-clip-runtime/testing';
import sharp from 'sharp';
import type { Photo } from '../workloads/photo-folder.js';
import { type PillowTimings, timePillow } from './pillow-contender.js';

/** One row of the preprocessing table: a source JPEG to one output size. */
export interface PreprocessRow {
  /** `4000x3000` */
  source: string;
  size: number;
  /** Best of the repeats of `embed([{ image: path }])`, default path, one thread. */
  oursDefaultMs: number;
  /** The same with `exactImages: true` (bit-identical to PIL). */
  oursExactMs: number;
  /** Pillow's reference path, timed inside Python; undefined when Pillow is not available. */
  pillowFullMs: number | undefined;
  /** Pillow with `draft()` to twice the output size. */
  pillowDraftMs: number | undefined;
}

/** Throughput of one call over many photos with `imageWorkers` threads. */
export interface ScalingResult {
  workers: number;
  imagesPerSecond: number;
}

/** What the preprocessing suite measured. */
export interface PreprocessSuiteResults {
  repeats: number;
  pillow: { available: true; version: string } | { available: false; reason: string };
  rows: PreprocessRow[];
  scaling: { photos: number; size: number; results: ScalingResult[] };
}

/** Options of {@link runPreprocessSuite}. */
export interface PreprocessSuiteOptions {
  /** One photo per source size (the first of each size in the photo folder). */
  photos: readonly Photo[];
  /** Photos of the scaling call. */
  scalingPhotos: readonly Photo[];
  sizes: readonly number[];
  repeats: number;
  /** Worker counts of the scaling row. */
  workers: readonly number[];
  /** Folder for the tiny model repos. */
  scratch: string;
  log: (line: string) => void;
}

async function bestOf(repeats: number, call: () => Promise<unknown>): Promise<number> {
  await call(); // warm-up
  let best = Number.POSITIVE_INFINITY;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const started = performance.now();
    await call();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/**
 * Times image preprocessing alone: the public local backend's `embed([{ image: path }])` on a
 * tiny graph whose inference costs microseconds (so the time is file read, decode, resample,
 * normalisation), one thread (`imageWorkers: 0`, libvips concurrency 1), default path and
 * `exactImages`, best of `repeats`; Pillow on the same files inside Python; then the throughput
 * of one call over `scalingPhotos` with 1, 2, ... worker threads.
 */
export async function runPreprocessSuite(
  options: PreprocessSuiteOptions,
): Promise<PreprocessSuiteResults> {
  const { log, repeats } = options;
  const repos = new Map<number, string>();
  for (const size of new Set([...options.sizes, options.sizes[0]!])) {
    const directory = join(options.scratch, `tiny-v1-${size}`);
    await mkdir(directory, { recursive: true });
    repos.set(
      size,
      (await writeTinyModelRepo(directory, { model: 'jina-clip-v1', imageSize: size })).directory,
    );
  }
  const previousConcurrency = sharp.concurrency();
  sharp.concurrency(1);
  try {
    const rows: PreprocessRow[] = [];
    for (const photo of options.photos) {
      for (const size of options.sizes) {
        const modelPath = repos.get(size)!;
        const fast = createLocalBackend({ modelPath, imageWorkers: 0, threads: 1 });
        const exact = createLocalBackend({
          modelPath,
          imageWorkers: 0,
          threads: 1,
          exactImages: true,
        });
        const input = [{ image: photo.path }];
        const oursDefaultMs = await bestOf(repeats, () => fast.embed(input));
        const oursExactMs = await bestOf(repeats, () => exact.embed(input));
        await Promise.all([fast.close(), exact.close()]);
        const source = `${photo.width}x${photo.height}`;
        log(
          `  ${source} to ${size}: ours ${oursDefaultMs.toFixed(1)} ms, exact ${oursExactMs.toFixed(1)} ms`,
        );
        rows.push({
          source,
          size,
          oursDefaultMs,
          oursExactMs,
          pillowFullMs: undefined,
          pillowDraftMs: undefined,
        });
      }
    }
    const pillow: PillowTimings = await timePillow(
      options.photos.flatMap((photo) => options.sizes.map((size) => ({ path: photo.path, size }))),
      repeats,
      log,
    );
    if (pillow.available) {
      pillow.rows.forEach((timing, index) => {
        rows[index]!.pillowFullMs = timing.fullMs;
        rows[index]!.pillowDraftMs = timing.draftMs;
      });
    } else {
      log(`  Pillow rows skipped: ${pillow.reason}`);
    }

    const size = options.sizes[0]!;
    const inputs = options.scalingPhotos.map((photo) => ({ image: photo.path }));
    const scaling: ScalingResult[] = [];
    const backends = options.workers.map((workers) =>
      createLocalBackend({
        modelPath: repos.get(size)!,
        imageWorkers: workers,
        threads: 1,
        batchSize: inputs.length,
      }),
    );
    const best = options.workers.map(() => Number.POSITIVE_INFINITY);
    // Interleaved, so that load changes touch every worker count alike.
    for (let repeat = 0; repeat <= Math.min(repeats, 3); repeat++) {
      for (const [index, backend] of backends.entries()) {
        const started = performance.now();
        await backend.embed(inputs);
        if (repeat > 0) best[index] = Math.min(best[index]!, performance.now() - started);
      }
    }
    await Promise.all(backends.map((backend) => backend.close()));
    for (const [index, workers] of options.workers.entries()) {
      const imagesPerSecond = (inputs.length * 1000) / best[index]!;
      scaling.push({ workers, imagesPerSecond });
      log(`  ${workers} image worker(s): ${imagesPerSecond.toFixed(1)} images/s`);
    }
    return {
      repeats,
      pillow: pillow.available
        ? { available: true, version: pillow.version }
        : { available: false, reason: pillow.reason },
      rows,
      scaling: { photos: inputs.length, size, results: scaling },
    };
  } finally {
    sharp.concurrency(previousConcurrency);
  }
}
