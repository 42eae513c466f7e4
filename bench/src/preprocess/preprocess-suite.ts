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
  /**
   * CPU times of the same runs (best of the repeats; ours: `process.cpuUsage`, every thread of
   * the process), which a loaded machine disturbs far less than wall times.
   */
  cpuMs: {
    oursDefault: number;
    oursExact: number;
    pillowFull: number | undefined;
    pillowDraft: number | undefined;
  };
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
  /** Untimed calls before the timed ones (both contenders). */
  warmUps: number;
  /** Worker counts of the scaling row. */
  workers: readonly number[];
  /** Folder for the tiny model repos. */
  scratch: string;
  log: (line: string) => void;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The best wall and the best CPU time of `repeats` calls, after `warmUps` untimed calls. */
async function bestOf(
  repeats: number,
  warmUps: number,
  call: () => Promise<unknown>,
): Promise<{ wall: number; cpu: number }> {
  for (let warmUp = 0; warmUp < warmUps; warmUp++) await call();
  let wall = Number.POSITIVE_INFINITY;
  let cpu = Number.POSITIVE_INFINITY;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const started = performance.now();
    const startedCpu = cpuMs();
    await call();
    cpu = Math.min(cpu, cpuMs() - startedCpu);
    wall = Math.min(wall, performance.now() - started);
  }
  return { wall, cpu };
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
        const ours = await bestOf(repeats, options.warmUps, () => fast.embed(input));
        const oursExact = await bestOf(repeats, options.warmUps, () => exact.embed(input));
        await Promise.all([fast.close(), exact.close()]);
        const source = `${photo.width}x${photo.height}`;
        log(
          `  ${source} to ${size}: ours ${ours.wall.toFixed(1)} ms (cpu ${ours.cpu.toFixed(1)}), exact ${oursExact.wall.toFixed(1)} ms (cpu ${oursExact.cpu.toFixed(1)})`,
        );
        rows.push({
          source,
          size,
          oursDefaultMs: ours.wall,
          oursExactMs: oursExact.wall,
          pillowFullMs: undefined,
          pillowDraftMs: undefined,
          cpuMs: {
            oursDefault: ours.cpu,
            oursExact: oursExact.cpu,
            pillowFull: undefined,
            pillowDraft: undefined,
          },
        });
      }
    }
    const pillow: PillowTimings = await timePillow(
      options.photos.flatMap((photo) => options.sizes.map((size) => ({ path: photo.path, size }))),
      { repeats, warmUps: options.warmUps },
      log,
    );
    if (pillow.available) {
      pillow.rows.forEach((timing, index) => {
        rows[index]!.pillowFullMs = timing.fullMs;
        rows[index]!.pillowDraftMs = timing.draftMs;
        rows[index]!.cpuMs.pillowFull = timing.fullCpuMs;
        rows[index]!.cpuMs.pillowDraft = timing.draftCpuMs;
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
