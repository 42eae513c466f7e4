/**
 * `npm run bench` (full: results, README and chart under bench/results) and
 * `npm run bench:smoke` (tiny models and workloads in a temp folder; exits non-zero when the
 * harness produced no results; the search app's latency is left out). Options:
 * `--only local|hosted|preprocess|app`, `--out <folder>`, `--report`
 * (re-render README.md and the chart from the JSON already there), `--contenders a,b` (only these
 * hosted contenders); for a part of the local suite, `--workloads texts,photos,mixed` and
 * `--dtypes fp32,q8` (each: the configured ones by default).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Tokenizer } from '@huggingface/tokenizers';
import { runAppLatency } from './app/run-app-latency.js';
import { type BenchConfig, FULL_CONFIG, SMOKE_CONFIG } from './bench-config.js';
import { floatJsonResponseBytes } from './hosted/float-json-reference.js';
import {
  HOSTED_CLIENT_SHAPES,
  HOSTED_CONTENDER_PHASES,
  HOSTED_CONTENDERS,
} from './hosted/hosted-contender.js';
import { runHostedSuite } from './hosted/hosted-suite.js';
import { runLocalSuite } from './local/local-suite.js';
import { buildLocalWorkloads } from './local/local-workloads.js';
import { quantile } from './measurement/latency-summary.js';
import { runPreprocessSuite } from './preprocess/preprocess-suite.js';
import {
  type HostedBenchResults,
  type LocalBenchResults,
  type PreprocessBenchResults,
  RESULT_FILES,
  readResults,
  type TokenStats,
  writeResults,
} from './report/bench-results.js';
import { machineInfo } from './report/machine-info.js';
import { ratioChartSvg } from './report/ratio-chart-svg.js';
import { renderReadme } from './report/render-readme.js';
import { hostedRatios, localRatios, preprocessRatios } from './report/targets.js';
import {
  STAND_IN_SUFFIXES,
  standInParameters,
  writeStandInRepo,
} from './stand-in-models/write-stand-in-repo.js';
import { benchCacheDir } from './workloads/bench-cache-dir.js';
import { makePhotoFolder, type Photo } from './workloads/photo-folder.js';
import { generateTextCorpus } from './workloads/text-corpus.js';

const BENCH_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function log(line: string): void {
  console.log(line);
}

async function tokenStats(modelPath: string, texts: readonly string[]): Promise<TokenStats> {
  const read = async (file: string) =>
    JSON.parse(await readFile(join(modelPath, file), 'utf8')) as object;
  const tokenizer = new Tokenizer(
    await read('tokenizer.json'),
    await read('tokenizer_config.json'),
  );
  const counts = texts.map((text) => tokenizer.encode(text).ids.length);
  return {
    min: Math.min(...counts),
    median: quantile(counts, 0.5),
    mean: counts.reduce((sum, count) => sum + count, 0) / counts.length,
    p95: quantile(counts, 0.95),
    max: Math.max(...counts),
  };
}

/** The local workloads by their `--workloads` names. */
const WORKLOAD_NAMES = { texts: 'text corpus', photos: 'photo folder', mixed: 'mixed' } as const;

/** The configured items that a comma-separated `--option` keeps (all when it is not given). */
function selected<T extends string>(
  all: readonly T[],
  option: string | undefined,
  name: string,
): T[] {
  if (option === undefined) return [...all];
  const wanted = option.split(',').map((item) => item.trim());
  const unknown = wanted.filter((item) => !all.includes(item as T));
  if (unknown.length > 0)
    throw new Error(`--${name}: unknown ${unknown.join(', ')} (use ${all.join(', ')}).`);
  return all.filter((item) => wanted.includes(item));
}

async function runLocal(
  config: BenchConfig,
  cacheDir: string,
  photos: readonly Photo[],
  resultsDir: string,
  filters: { workloads?: string; dtypes?: string } = {},
): Promise<LocalBenchResults> {
  const workloadNames = selected(
    Object.keys(WORKLOAD_NAMES) as (keyof typeof WORKLOAD_NAMES)[],
    filters.workloads,
    'workloads',
  ).map((key) => WORKLOAD_NAMES[key]);
  const local = {
    ...config.local,
    dtypes: selected(config.local.dtypes, filters.dtypes, 'dtypes'),
  };
  log(`Stand-in jina-clip-v1 (${local.standInSize}, ${local.dtypes.join(' + ')})…`);
  const repo = await writeStandInRepo({
    directory: join(cacheDir, `stand-in-jina-clip-v1-${local.standInSize}`),
    size: local.standInSize,
    dtypes: local.dtypes,
  });
  log(
    `  ${repo.directory} (${repo.generatedMs > 0 ? `generated in ${(repo.generatedMs / 1000).toFixed(1)} s` : 'cached'})`,
  );
  const corpus = generateTextCorpus({ count: local.corpusTexts, maxTokens: local.maxTokens });
  const localPhotos = photos.slice(0, local.photos);
  const workloads = buildLocalWorkloads(
    corpus,
    localPhotos,
    local.mixed,
    local.callSizes,
    local.rounds,
  ).filter((workload) => (workloadNames as string[]).includes(workload.name));
  log('Local backend benchmark…');
  const results = await runLocalSuite({
    modelPath: repo.directory,
    dtypes: local.dtypes,
    workloads,
    contenders: local.contenders,
    threads: local.threads,
    batchSize: local.batchSize,
    log,
  });
  const fileBytes: Record<string, number> = {};
  for (const dtype of local.dtypes) {
    for (const tower of ['text_model', 'vision_model']) {
      const file = `onnx/${tower}${STAND_IN_SUFFIXES[dtype]}.onnx`;
      fileBytes[file] = (await stat(join(repo.directory, file))).size;
    }
  }
  const parameters = standInParameters(repo.shape);
  const localResults: LocalBenchResults = {
    kind: 'local',
    name: config.name,
    date: new Date().toISOString(),
    machine: machineInfo(),
    config: {
      threads: local.threads,
      batchSize: local.batchSize,
      callSizes: local.callSizes,
      rounds: local.rounds,
      dtypes: local.dtypes,
      standIn: {
        size: local.standInSize,
        textParameters: parameters.text,
        visionParameters: parameters.vision,
        fileBytes,
      },
      corpus: {
        texts: corpus.length,
        tokens: await tokenStats(
          repo.directory,
          corpus.map((entry) => entry.text),
        ),
      },
      photos: {
        count: localPhotos.length,
        sizes: [...new Set(localPhotos.map((photo) => `${photo.width}x${photo.height}`))],
        bytes: localPhotos.reduce((sum, photo) => sum + photo.bytes, 0),
      },
      mixed: local.mixed,
    },
    results,
    ratios: localRatios(results),
  };
  log(`  wrote ${await writeResults(resultsDir, localResults)}`);
  return localResults;
}

async function runPreprocess(
  config: BenchConfig,
  photos: readonly Photo[],
  scratch: string,
  resultsDir: string,
): Promise<PreprocessBenchResults> {
  const { preprocess } = config;
  // The first photo of each size (the folder cycles through the sizes).
  const rowPhotos = photos.slice(0, config.photoSizes.length);
  log(
    `Image preprocessing benchmark (${rowPhotos.length} photos x ${preprocess.sizes.join(', ')} px)…`,
  );
  const results = await runPreprocessSuite({
    photos: rowPhotos,
    scalingPhotos: photos.slice(0, preprocess.scalingPhotos),
    sizes: preprocess.sizes,
    repeats: preprocess.repeats,
    warmUps: preprocess.warmUps,
    workers: preprocess.workers,
    scratch,
    log,
  });
  const preprocessResults: PreprocessBenchResults = {
    kind: 'preprocess',
    name: config.name,
    date: new Date().toISOString(),
    machine: machineInfo(),
    ...results,
    ratios: preprocessRatios(results),
  };
  log(`  wrote ${await writeResults(resultsDir, preprocessResults)}`);
  return preprocessResults;
}

async function runHosted(
  config: BenchConfig,
  photos: readonly Photo[],
  resultsDir: string,
): Promise<HostedBenchResults> {
  const { hosted } = config;
  const texts = generateTextCorpus({ count: hosted.texts, seed: 7 }).map((entry) => entry.text);
  const images = photos.slice(0, hosted.photos).map((photo) => photo.path);
  log(`Hosted client benchmark (${texts.length} texts, ${images.length} photos)…`);
  const results = await runHostedSuite({
    scenario: hosted.scenario,
    runs: hosted.runs,
    texts,
    images,
    log,
  });
  const models = [...new Set(hosted.runs.map((run) => run.model))];
  const floatJson = Object.fromEntries(
    models.map((model) => [
      model,
      floatJsonResponseBytes(texts, model, HOSTED_CLIENT_SHAPES['jina-clip-runtime'].batchSize),
    ]),
  );
  const hostedResults: HostedBenchResults = {
    kind: 'hosted',
    name: config.name,
    date: new Date().toISOString(),
    machine: machineInfo(),
    scenario: hosted.scenario,
    config: {
      texts: texts.length,
      images: images.length,
      models,
      runs: hosted.runs,
      configurations: Object.fromEntries(
        results
          .filter((result) => result.configuration !== '')
          .map((result) => [result.contender, result.configuration]),
      ),
    },
    floatJson,
    results,
    ratios: hostedRatios(results, floatJson),
  };
  log(`  wrote ${await writeResults(resultsDir, hostedResults)}`);
  return hostedResults;
}

async function renderReport(resultsDir: string): Promise<void> {
  const results = await readResults(resultsDir);
  const notesPath = join(resultsDir, 'analysis.md');
  const notes = existsSync(notesPath) ? await readFile(notesPath, 'utf8') : undefined;
  await writeFile(join(resultsDir, RESULT_FILES.readme), renderReadme({ ...results, notes }));
  const ratios = [
    ...(results.local?.ratios ?? []),
    ...(results.preprocess?.ratios ?? []),
    ...(results.hosted?.ratios ?? []),
  ];
  await writeFile(
    join(resultsDir, RESULT_FILES.chart),
    ratioChartSvg('jina-clip-runtime vs the floor and the peers (higher is better)', ratios),
  );
  log(`Report: ${join(resultsDir, RESULT_FILES.readme)}, ${join(resultsDir, RESULT_FILES.chart)}`);
}

/** The smoke run's checks: every contender ran, ours embedded everything, the files exist. */
function smokeProblems(
  local?: LocalBenchResults,
  hosted?: HostedBenchResults,
  preprocess?: PreprocessBenchResults,
): string[] {
  const problems: string[] = [];
  if (preprocess !== undefined) {
    const expectedRows = SMOKE_CONFIG.photoSizes.length * SMOKE_CONFIG.preprocess.sizes.length;
    if (preprocess.rows.length !== expectedRows)
      problems.push(`preprocess: ${preprocess.rows.length}/${expectedRows} rows`);
    for (const row of preprocess.rows) {
      if (!(row.oursDefaultMs > 0 && row.oursExactMs > 0))
        problems.push(`preprocess ${row.source} to ${row.size}: no time`);
    }
    if (preprocess.scaling.results.length !== SMOKE_CONFIG.preprocess.workers.length)
      problems.push('preprocess: no scaling row');
  }
  if (local !== undefined) {
    for (const result of local.results) {
      const expected = result.texts + result.images;
      if (result.error !== undefined)
        problems.push(`local ${result.workload} ${result.contender}: ${result.error}`);
      else if (result.latency.inputs !== expected) {
        problems.push(
          `local ${result.workload} ${result.contender}: ${result.latency.inputs}/${expected} vectors`,
        );
      }
    }
    const expectedRuns = local.config.dtypes.length * 3 * SMOKE_CONFIG.local.contenders.length;
    if (local.results.length !== expectedRuns)
      problems.push(`local: ${local.results.length}/${expectedRuns} runs`);
  }
  if (hosted !== undefined) {
    const expectedRuns = hosted.config.runs.reduce(
      (sum, run) =>
        sum +
        run.contenders.reduce((phases, name) => phases + HOSTED_CONTENDER_PHASES[name].length, 0),
      0,
    );
    if (hosted.results.length !== expectedRuns)
      problems.push(`hosted: ${hosted.results.length}/${expectedRuns} runs`);
    for (const result of hosted.results) {
      if (!result.contender.startsWith('jina-clip-runtime') && result.contender !== 'http floor') {
        continue;
      }
      if (
        result.error !== undefined ||
        result.embedded !== result.inputs ||
        result.requests === 0
      ) {
        problems.push(
          `hosted ${result.model} ${result.phase} ${result.contender}: ${result.error ?? `${result.embedded}/${result.inputs}`}`,
        );
      }
    }
  }
  return problems;
}

/**
 * The config with only the hosted contenders `list` names (comma-separated), for a run of one
 * comparison (`--only hosted --contenders 'jina-clip-runtime,jina-clip-ai-provider'`).
 */
function onlyContenders(config: BenchConfig, list: string | undefined): BenchConfig {
  if (list === undefined) return config;
  const wanted = list.split(',').map((name) => name.trim());
  const unknown = wanted.filter((name) => !(HOSTED_CONTENDERS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `--contenders: unknown ${unknown.join(', ')}; known: ${HOSTED_CONTENDERS.join(', ')}`,
    );
  }
  const runs = config.hosted.runs
    .map((run) => ({ ...run, contenders: run.contenders.filter((name) => wanted.includes(name)) }))
    .filter((run) => run.contenders.length > 0);
  return { ...config, hosted: { ...config.hosted, runs } };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      report: { type: 'boolean', default: false },
      contenders: { type: 'string' },
      workloads: { type: 'string' },
      dtypes: { type: 'string' },
    },
  });
  const config = onlyContenders(values.smoke ? SMOKE_CONFIG : FULL_CONFIG, values.contenders);
  const scratch = values.smoke
    ? await mkdtemp(join(tmpdir(), 'jina-clip-bench-smoke-'))
    : undefined;
  const resultsDir = resolve(
    values.out ?? (scratch !== undefined ? join(scratch, 'results') : join(BENCH_ROOT, 'results')),
  );
  if (values.report) {
    await renderReport(resultsDir);
    return 0;
  }
  const started = performance.now();
  try {
    const cacheDir = scratch !== undefined ? join(scratch, 'cache') : benchCacheDir();
    const runLocalSuiteToo = values.only === undefined || values.only === 'local';
    const runHostedSuiteToo = values.only === undefined || values.only === 'hosted';
    const runPreprocessSuiteToo = values.only === undefined || values.only === 'preprocess';
    const photoCount = Math.max(
      runPreprocessSuiteToo
        ? Math.max(config.photoSizes.length, config.preprocess.scalingPhotos)
        : 0,
      runLocalSuiteToo ? config.local.photos : 0,
      runHostedSuiteToo ? config.hosted.photos : 0,
    );
    log(`Photo folder (${photoCount} JPEGs) in ${join(cacheDir, 'photos')}…`);
    const photos = await makePhotoFolder({
      count: photoCount,
      folder: join(cacheDir, 'photos'),
      sizes: config.photoSizes,
    });
    const local = runLocalSuiteToo
      ? await runLocal(config, cacheDir, photos, resultsDir, {
          workloads: values.workloads,
          dtypes: values.dtypes,
        })
      : undefined;
    const preprocess = runPreprocessSuiteToo
      ? await runPreprocess(config, photos, join(cacheDir, 'preprocess'), resultsDir)
      : undefined;
    const hosted = runHostedSuiteToo ? await runHosted(config, photos, resultsDir) : undefined;
    // The search app (examples/src/search-app) in chromium: its own file, not in the ratios.
    if (!values.smoke && (values.only === undefined || values.only === 'app')) {
      await runAppLatency({ cacheDir, out: resultsDir, log });
    }
    await renderReport(resultsDir);
    log(`Done in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
    if (!values.smoke) return 0;
    const problems = smokeProblems(local, hosted, preprocess);
    for (const file of [RESULT_FILES.readme, RESULT_FILES.chart]) {
      if (!existsSync(join(resultsDir, file)) || (await stat(join(resultsDir, file))).size === 0) {
        problems.push(`${file} was not written`);
      }
    }
    for (const problem of problems) console.error(`bench:smoke: ${problem}`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    if (scratch !== undefined && values.out === undefined)
      await rm(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
