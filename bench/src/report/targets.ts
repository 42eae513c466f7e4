import type { HostedResult } from '../hosted/hosted-suite.js';
import type { LocalResult } from '../local/local-suite.js';
import type { PreprocessSuiteResults } from '../preprocess/preprocess-suite.js';

/** A ratio the report plots: higher is better for this project, 1 is parity. */
export interface Ratio {
  id: string;
  label: string;
  value: number;
  /** The issue's target for this ratio, if it has one. */
  target?: number;
  /** Whether `value >= target` (undefined without a target or a value). */
  met?: boolean;
  /** The numbers behind it. */
  detail: string;
  /** Drawn in the chart. @default true (pass/fail checks are not) */
  plotted?: boolean;
}

function ratio(
  id: string,
  label: string,
  numerator: number,
  denominator: number,
  detail: string,
  target?: number,
): Ratio {
  const value = numerator / denominator;
  const valid = Number.isFinite(value) && value > 0;
  return {
    id,
    label,
    value: valid ? value : Number.NaN,
    target,
    met: target === undefined ? undefined : valid ? value >= target : false,
    detail,
  };
}

const MIB = 2 ** 20;

/**
 * The local ratios, per precision and workload: this project's throughput over the floor's
 * (target 0.95) and over transformers.js's (target 1.5 on the text corpus and the photo
 * folder), and transformers.js's peak RSS over this project's (target 1: no higher); the
 * speed over transformers.js 4's where it ran (no target).
 */
export function localRatios(results: readonly LocalResult[]): Ratio[] {
  const ratios: Ratio[] = [];
  const find = (workload: string, dtype: string, contender: string) =>
    results.find(
      (result) =>
        result.workload === workload && result.dtype === dtype && result.contender === contender,
    );
  const keys = [...new Set(results.map((result) => `${result.dtype}|${result.workload}`))];
  for (const key of keys) {
    const [dtype, workload] = key.split('|') as [string, string];
    const ours = find(workload, dtype, 'jina-clip-runtime');
    const floor = find(workload, dtype, 'onnxruntime-floor');
    const peer = find(workload, dtype, 'transformers.js');
    const peer4 = find(workload, dtype, 'transformers.js 4');
    if (ours === undefined) continue;
    const ips = (result: LocalResult | undefined) => result?.latency.inputsPerSecond ?? Number.NaN;
    if (floor !== undefined) {
      ratios.push(
        ratio(
          `local.${dtype}.${workload}.floor`,
          `${workload} (${dtype}): end to end / onnxruntime floor`,
          ips(ours),
          ips(floor),
          `${ips(ours).toFixed(2)} vs ${ips(floor).toFixed(2)} inputs/s`,
          0.95,
        ),
      );
    }
    if (peer !== undefined) {
      ratios.push(
        ratio(
          `local.${dtype}.${workload}.transformers`,
          `${workload} (${dtype}): speed vs transformers.js`,
          ips(ours),
          ips(peer),
          `${ips(ours).toFixed(2)} vs ${ips(peer).toFixed(2)} inputs/s`,
          workload === 'mixed' ? undefined : 1.5,
        ),
        ratio(
          `local.${dtype}.${workload}.rss`,
          `${workload} (${dtype}): peak RSS of transformers.js / ours`,
          peer.peakRssBytes,
          ours.peakRssBytes,
          `${(ours.peakRssBytes / MIB).toFixed(0)} vs ${(peer.peakRssBytes / MIB).toFixed(0)} MiB`,
          1,
        ),
      );
    }
    if (peer4 !== undefined) {
      // transformers.js 4 beside 3.8 (the targets stay on 3.8, the peer they were set against).
      ratios.push(
        ratio(
          `local.${dtype}.${workload}.transformers4`,
          `${workload} (${dtype}): speed vs transformers.js 4`,
          ips(ours),
          ips(peer4),
          `${ips(ours).toFixed(2)} vs ${ips(peer4).toFixed(2)} inputs/s`,
        ),
      );
    }
  }
  return ratios;
}

function cpuRatio(numerator: number | undefined, denominator: number): string {
  return numerator === undefined ? 'n/a' : `${(numerator / denominator).toFixed(2)}x`;
}

/**
 * The preprocessing ratios (issue 8), per source and output size, one thread: Pillow with
 * `draft()` to 2x over our default path (target 1), Pillow's full reference path over our exact
 * path (target 1); and the throughput with N image workers over N times that with one (target
 * 0.85, i.e. 0.85 x N). Rows without Pillow give no Pillow ratios.
 */
export function preprocessRatios(results: PreprocessSuiteResults): Ratio[] {
  const ratios: Ratio[] = [];
  for (const row of results.rows) {
    const name = `${row.source} JPEG to ${row.size} px`;
    if (row.pillowDraftMs !== undefined) {
      ratios.push(
        ratio(
          `preprocess.${row.source}.${row.size}.draft`,
          `${name}: Pillow draft (2x) / ours, default`,
          row.pillowDraftMs,
          row.oursDefaultMs,
          `${row.pillowDraftMs.toFixed(1)} vs ${row.oursDefaultMs.toFixed(1)} ms (cpu ${cpuRatio(row.cpuMs.pillowDraft, row.cpuMs.oursDefault)})`,
          1,
        ),
      );
    }
    if (row.pillowFullMs !== undefined) {
      ratios.push(
        ratio(
          `preprocess.${row.source}.${row.size}.full`,
          `${name}: Pillow full / ours, exact`,
          row.pillowFullMs,
          row.oursExactMs,
          `${row.pillowFullMs.toFixed(1)} vs ${row.oursExactMs.toFixed(1)} ms (cpu ${cpuRatio(row.cpuMs.pillowFull, row.cpuMs.oursExact)})`,
          1,
        ),
      );
    }
  }
  const one = results.scaling.results.find((result) => result.workers === 1);
  for (const result of results.scaling.results) {
    if (one === undefined || result.workers === 1) continue;
    ratios.push(
      ratio(
        `preprocess.scaling.${result.workers}`,
        `image workers: throughput with ${result.workers} / (${result.workers} x with 1)`,
        result.imagesPerSecond,
        result.workers * one.imagesPerSecond,
        `${result.imagesPerSecond.toFixed(1)} vs ${one.imagesPerSecond.toFixed(1)} images/s`,
        0.85,
      ),
    );
  }
  return ratios;
}

/** Float JSON response bytes of the text phase, per model (see `floatJsonResponseBytes`). */
export type FloatJsonReference = Record<string, number>;

/**
 * The hosted ratios, per model, for this project's API backend: ideal over actual wall time on
 * the texts (target 1 / 1.1), the same against the HTTP floor (what any client reaches against
 * this server on this machine, the server's own processing included), float JSON bytes over its response bytes (target 2.5), billed image
 * tokens of the originals over its own (target 10), bytes sent for the originals over its own
 * (target 1: uploads never grow), and no failures where a peer failed.
 */
export function hostedRatios(
  results: readonly HostedResult[],
  floatJson: FloatJsonReference,
): Ratio[] {
  const ratios: Ratio[] = [];
  const find = (model: string, contender: string, phase: string) =>
    results.find(
      (result) =>
        result.model === model && result.contender === contender && result.phase === phase,
    );
  for (const model of [...new Set(results.map((result) => result.model))]) {
    const texts = find(model, 'jina-clip-runtime', 'texts');
    const floor = find(model, 'http floor', 'texts');
    const provider = find(model, 'jina-clip-ai-provider', 'texts');
    const images = find(model, 'jina-clip-runtime', 'images');
    const originals = find(model, 'jina-clip-runtime (originals)', 'images');
    if (texts !== undefined) {
      ratios.push(
        ratio(
          `hosted.${model}.wall`,
          `${model}: ideal / actual wall time, ${texts.inputs} texts`,
          texts.idealWallMs,
          texts.wallMs,
          `${(texts.wallMs / 1000).toFixed(2)} s vs bound ${(texts.idealWallMs / 1000).toFixed(2)} s`,
          1 / 1.1,
        ),
      );
      if (provider !== undefined && provider.error === undefined) {
        // The AI SDK provider adds only glue: embedMany's chunks over the same backend.
        ratios.push(
          ratio(
            `hosted.${model}.ai-sdk`,
            `${model}: runtime / AI SDK provider (embedMany) wall time, ${texts.inputs} texts`,
            texts.wallMs,
            provider.wallMs,
            `${(provider.wallMs / 1000).toFixed(2)} s through embedMany vs ${(texts.wallMs / 1000).toFixed(2)} s for the runtime`,
            1 / 1.05,
          ),
        );
      }
      if (floor !== undefined && floor.error === undefined) {
        ratios.push(
          ratio(
            `hosted.${model}.wall-floor`,
            `${model}: HTTP floor / actual wall time, ${texts.inputs} texts`,
            floor.wallMs,
            texts.wallMs,
            `${(texts.wallMs / 1000).toFixed(2)} s vs ${(floor.wallMs / 1000).toFixed(2)} s for bare undici with prebuilt bodies`,
            1 / 1.1,
          ),
        );
      }
      const reference = floatJson[model];
      if (reference !== undefined) {
        ratios.push(
          ratio(
            `hosted.${model}.bytes`,
            `${model}: float JSON bytes / response bytes received`,
            reference,
            texts.bytesReceived,
            `${(texts.bytesReceived / MIB).toFixed(1)} MiB vs ${(reference / MIB).toFixed(1)} MiB as float JSON`,
            2.5,
          ),
        );
      }
    }
    if (images !== undefined && originals !== undefined) {
      ratios.push(
        ratio(
          `hosted.${model}.image-tokens`,
          `${model}: billed image tokens, originals / resized`,
          originals.billedTokens,
          images.billedTokens,
          `${images.billedTokens} vs ${originals.billedTokens} tokens for ${images.inputs} photos`,
          10,
        ),
        ratio(
          `hosted.${model}.image-bytes`,
          `${model}: bytes uploaded, originals / resized`,
          originals.bytesSent,
          images.bytesSent,
          `${(images.bytesSent / MIB).toFixed(2)} MiB vs ${(originals.bytesSent / MIB).toFixed(2)} MiB sent for ${images.inputs} photos`,
          1,
        ),
      );
    }
    const ours = results.filter(
      (result) => result.model === model && result.contender === 'jina-clip-runtime',
    );
    const oursFailed = ours.some(
      (result) => result.error !== undefined || result.embedded !== result.inputs,
    );
    const peersFailed = results.filter(
      (result) =>
        result.model === model &&
        !result.contender.startsWith('jina-clip-runtime') &&
        result.contender !== 'http floor' &&
        (result.error !== undefined || result.embedded !== result.inputs),
    );
    ratios.push({
      id: `hosted.${model}.failures`,
      label: `${model}: no failures where peers fail`,
      value: oursFailed ? 0 : 1,
      target: 1,
      met: !oursFailed,
      plotted: false,
      detail: `ours: ${oursFailed ? 'failed' : 'all inputs embedded'}; failed runs of others: ${
        peersFailed.map((result) => `${result.contender} (${result.phase})`).join(', ') || 'none'
      }`,
    });
  }
  return ratios;
}
