import type {
  HostedBenchResults,
  LocalBenchResults,
  PreprocessBenchResults,
} from './bench-results.js';
import { RESULT_FILES } from './bench-results.js';
import type { Ratio } from './targets.js';

const MIB = 2 ** 20;

function number(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? 'n/a'
    : value.toFixed(digits);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function targetRows(ratios: readonly Ratio[]): string[][] {
  return ratios
    .filter((ratio) => ratio.target !== undefined)
    .map((ratio) => [
      ratio.label,
      ratio.plotted === false ? (ratio.met ? 'yes' : 'no') : `${number(ratio.value, 2)}x`,
      ratio.plotted === false ? 'yes' : `>= ${number(ratio.target, 2)}x`,
      ratio.met ? 'met' : '**missed**',
      ratio.detail,
    ]);
}

function renderLocal(local: LocalBenchResults): string {
  const { config } = local;
  const sections: string[] = [
    '## Local backend',
    '',
    `Stand-in jina-clip-v1 (${config.standIn.size}): random weights, the real architecture and graph signatures ` +
      `(text: BERT-base encoder, ${(config.standIn.textParameters / 1e6).toFixed(0)} M parameters; ` +
      `vision: ViT-B/16 at 224 px, ${(config.standIn.visionParameters / 1e6).toFixed(0)} M parameters), ` +
      "written by the runtime's own ONNX writer. Vectors are meaningless, costs are real.",
    '',
    `Same files, ${config.threads} intra-op threads and batches of ${config.batchSize} for every contender. ` +
      `Text corpus: ${config.corpus.texts} texts, tokens min ${config.corpus.tokens.min} / median ` +
      `${config.corpus.tokens.median} / mean ${number(config.corpus.tokens.mean)} / p95 ${config.corpus.tokens.p95} / ` +
      `max ${config.corpus.tokens.max}, in calls of ${config.callSizes.texts}. Photo folder: ${config.photos.count} ` +
      `JPEGs (${config.photos.sizes.join(', ')}; ${number(config.photos.bytes / MIB, 1)} MiB), in calls of ` +
      `${config.callSizes.photos}. Mixed: ${config.mixed.texts} texts and ${config.mixed.photos} photos ` +
      `interleaved, in calls of ${config.callSizes.mixed}. The contenders run in separate processes and ` +
      'take turns call by call; ' +
      `each call is made ${config.rounds.texts} / ${config.rounds.photos} / ${config.rounds.mixed} times ` +
      '(text corpus / photo folder / mixed) and its fastest time counts.',
    '',
    '- **onnxruntime-floor**: bare `InferenceSession.run` on tensors built before the clock starts ' +
      '(texts tokenized, sorted by length within the call, padded per batch; images decoded): the floor.',
    '- **jina-clip-runtime**: `createLocalBackend({ modelPath, dtype, threads, batchSize })`, ' +
      '`embed()` from strings and image files, end to end.',
    '- **transformers.js**: `AutoTokenizer` + `CLIPTextModelWithProjection`, `RawImage.read` + ' +
      '`AutoImageProcessor` + `CLIPVisionModelWithProjection`, chunks of the batch size in input order, ' +
      'then `normalize`.',
    '- **transformers.js 4**: the same code on transformers.js 4 (the npm alias ' +
      '`@huggingface/transformers-v4`).',
    '',
    'Session start is construction plus the first call on one input of each kind. Peak RSS is the ' +
      "kernel's high-water mark of the contender's own process. Agreement is the lowest cosine " +
      "similarity to the floor's vector of the same input (1 = the same work).",
  ];
  for (const dtype of config.dtypes) {
    const rows = local.results
      .filter((result) => result.dtype === dtype)
      .map((result) => {
        const floor = local.results.find(
          (other) =>
            other.dtype === dtype &&
            other.workload === result.workload &&
            other.contender === 'onnxruntime-floor',
        );
        return [
          result.workload,
          result.contender,
          result.error === undefined
            ? number(result.latency.inputsPerSecond, 2)
            : `failed: ${result.error}`,
          number(result.latency.p50Ms),
          number(result.latency.p95Ms),
          number(result.sessionStartMs / 1000, 2),
          number(result.peakRssBytes / MIB),
          floor === undefined
            ? 'n/a'
            : `${number(result.latency.inputsPerSecond / floor.latency.inputsPerSecond, 2)}x`,
          number(result.agreementWithFloor?.minCosine, 4),
        ];
      });
    sections.push(
      '',
      `### ${dtype}${dtype === 'q8' ? ' (int8 weights: DynamicQuantizeLinear + MatMulInteger, as quantize_dynamic writes)' : ''}`,
      '',
      table(
        [
          'workload',
          'contender',
          'inputs/s',
          'p50 ms/call',
          'p95 ms/call',
          'session start s',
          'peak RSS MiB',
          'vs floor',
          'agreement',
        ],
        rows,
      ),
    );
  }
  return sections.join('\n');
}

function renderHosted(hosted: HostedBenchResults): string {
  const { scenario, config } = hosted;
  const sections: string[] = [
    '## Hosted client',
    '',
    `Loopback Jina API server (\`startJinaApiServer\` of \`jina-clip-runtime/testing\`): ${scenario.latencyMs} ms ` +
      `per request, at most ${scenario.concurrencyLimit} requests at once (more get 429 with ` +
      `Retry-After ${scenario.retryAfterMs / 1000} s), answers shuffled. ${config.texts} texts, then ` +
      `${config.images} local photos, each phase in a fresh process. Bytes are counted on the wire by a ` +
      "TCP relay in front of the server (headers included); billed tokens are the server's usage for " +
      'the requests it answered 200. Ideal wall time is ceil(N / batch) / min(concurrency, cap) x latency ' +
      'with each client\'s own defaults. "Wrong / not unit" counts text vectors whose direction is not ' +
      "the server's vector for that text (order lost), and those not of unit length (the client did not " +
      'send `normalized: true`, so the service default applied).',
    '',
    'How each client was configured and pointed at the server:',
    '',
    ...Object.entries(config.configurations).map(([name, how]) => `- **${name}**: \`${how}\``),
  ];
  for (const model of config.models) {
    const rows = hosted.results
      .filter((result) => result.model === model)
      .map((result) => [
        result.contender,
        result.phase,
        `${result.embedded}/${result.inputs}`,
        number(result.wallMs / 1000, 2),
        number(result.idealWallMs / 1000, 2),
        String(result.requests),
        String(result.throttled),
        number(result.bytesSent / MIB, 1),
        number(result.bytesReceived / MIB, 2),
        String(result.billedTokens),
        result.wrongVectors === undefined || result.wrongVectors === null
          ? ''
          : String(result.wrongVectors),
        number(result.peakRssBytes / MIB),
        result.error ?? '',
      ]);
    const reference = hosted.floatJson[model];
    sections.push(
      '',
      `### ${model}`,
      '',
      table(
        [
          'client',
          'phase',
          'embedded',
          'wall s',
          'ideal s',
          'requests',
          '429s',
          'sent MiB',
          'received MiB',
          'billed tokens',
          'wrong / not unit',
          'peak RSS MiB',
          'error',
        ],
        rows,
      ),
      '',
      `Float JSON reference for the ${config.texts} texts: ${number((reference ?? Number.NaN) / MIB, 1)} MiB of response bodies.`,
    );
  }
  return sections.join('\n');
}

function renderPreprocess(preprocess: PreprocessBenchResults): string {
  const ms = (value: number | undefined, cpu: number | undefined) =>
    value === undefined ? 'n/a' : `${number(value, 1)} ms (cpu ${number(cpu, 1)})`;
  const times = (numerator: number | undefined, denominator: number) =>
    numerator === undefined ? 'n/a' : `${number(numerator / denominator, 2)}x`;
  const sections = [
    '## Image preprocessing',
    '',
    "Preprocessing alone, one thread: ours is the public local backend's `embed([{ image: path }])` " +
      'on a tiny graph whose inference costs microseconds (file read, decode, resample, normalisation), ' +
      '`imageWorkers: 0` and libvips concurrency 1, by default and with `exactImages: true` (bit-identical ' +
      'to PIL). Pillow is timed inside Python: the full reference path (open, exif_transpose, convert, ' +
      'bicubic resize, centre crop) and with `draft()` to twice the output size. Best of ' +
      `${preprocess.repeats}, side by side in one run; in brackets the best CPU time of the same runs, ` +
      'which load from other processes disturbs far less. ' +
      (preprocess.pillow.available
        ? `Pillow ${preprocess.pillow.version}.`
        : `Pillow rows skipped: ${preprocess.pillow.reason}.`),
    '',
    table(
      [
        'source JPEG, output',
        'Pillow full',
        'Pillow draft (2x)',
        'ours, default',
        'ours, exact',
        'Pillow draft / ours default',
        'Pillow full / ours exact',
      ],
      preprocess.rows.map((row) => [
        `${row.source}, ${row.size} px`,
        ms(row.pillowFullMs, row.cpuMs.pillowFull),
        ms(row.pillowDraftMs, row.cpuMs.pillowDraft),
        ms(row.oursDefaultMs, row.cpuMs.oursDefault),
        ms(row.oursExactMs, row.cpuMs.oursExact),
        times(row.pillowDraftMs, row.oursDefaultMs),
        times(row.pillowFullMs, row.oursExactMs),
      ]),
    ),
    '',
    `Scaling: one call of ${preprocess.scaling.photos} photos to ${preprocess.scaling.size} px with ` +
      preprocess.scaling.results
        .map(
          (result) =>
            `${result.workers} image worker(s): ${number(result.imagesPerSecond, 1)} images/s`,
        )
        .join(', ') +
      '.',
  ];
  return sections.join('\n');
}

/** The results README: when, where and with what, the targets, the chart and the tables. */
export function renderReadme(results: {
  local?: LocalBenchResults;
  hosted?: HostedBenchResults;
  preprocess?: PreprocessBenchResults;
  notes?: string;
}): string {
  const first = results.local ?? results.hosted ?? results.preprocess;
  if (first === undefined) return '# Benchmarks\n\nNo results yet: run `npm run bench`.\n';
  const { machine } = first;
  const ratios = [
    ...(results.local?.ratios ?? []),
    ...(results.preprocess?.ratios ?? []),
    ...(results.hosted?.ratios ?? []),
  ];
  const dates = [
    ...new Set(
      [results.local?.date, results.preprocess?.date, results.hosted?.date].filter(Boolean),
    ),
  ].join(', ');
  const sections = [
    '# Benchmarks',
    '',
    'This project against what a user would pick instead, on the same work in the same run, as ratios ' +
      '(absolute times on a shared machine mean little). Generated by `npm run bench` ' +
      '(`bench/src/main.ts`) from the JSON beside this file; do not edit by hand.',
    '',
    `- Date: ${dates}`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}`,
    `- Node ${machine.node}; ${Object.entries(machine.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    '',
    `![Ratios of this project to its peers](${RESULT_FILES.chart})`,
    '',
    '## Targets',
    '',
    table(['ratio', 'value', 'target', '', 'numbers'], targetRows(ratios)),
  ];
  if (results.notes !== undefined) sections.push('', results.notes.trim());
  if (results.local !== undefined) sections.push('', renderLocal(results.local));
  if (results.preprocess !== undefined) sections.push('', renderPreprocess(results.preprocess));
  if (results.hosted !== undefined) sections.push('', renderHosted(results.hosted));
  return `${sections.join('\n')}\n`;
}
