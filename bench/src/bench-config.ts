import { HOSTED_CONTENDERS } from './hosted/hosted-contender.js';
import type { HostedModelRun, HostedScenario } from './hosted/hosted-suite.js';
import { LOCAL_CONTENDERS, type LocalContenderName } from './local/local-contender.js';
import type { CallSizes, WorkloadRounds } from './local/local-workloads.js';
import type { StandInDtype } from './stand-in-models/graph-builder.js';
import type { StandInSize } from './stand-in-models/write-stand-in-repo.js';
import { PHOTO_SIZES, type PhotoSize } from './workloads/photo-folder.js';

/** Everything a bench run does, sized for the full run or the smoke run. */
export interface BenchConfig {
  name: 'full' | 'smoke';
  local: {
    standInSize: StandInSize;
    dtypes: StandInDtype[];
    contenders: LocalContenderName[];
    threads: number;
    batchSize: number;
    corpusTexts: number;
    maxTokens: number;
    photos: number;
    mixed: { texts: number; photos: number };
    callSizes: CallSizes;
    rounds: WorkloadRounds;
  };
  photoSizes: readonly PhotoSize[];
  /** Image preprocessing alone (issue 8): one photo of each size, against Pillow. */
  preprocess: {
    /** Output sizes (jina-clip-v1's 224, jina-clip-v2's 512). */
    sizes: number[];
    /** Timed runs per row; the best counts. */
    repeats: number;
    /**
     * Untimed runs before them, the same for every contender: enough for V8 to have compiled
     * the JavaScript path (a server's steady state); Pillow's C needs none but gets as many.
     */
    warmUps: number;
    /** Photos in the scaling row's call. */
    scalingPhotos: number;
    /** Image worker counts of the scaling row. */
    workers: number[];
  };
  hosted: {
    texts: number;
    photos: number;
    runs: HostedModelRun[];
    scenario: HostedScenario;
  };
}

/**
 * The full run, sized to finish in about 15 minutes on 2 quiet cores: a BERT-base forward pass
 * costs about 0.17 GFLOP per token and ViT-B/16 about 35 GFLOP per image, i.e. about 3 ms per
 * token and 0.6 s per image in fp32 at the 60 GFLOP/s onnxruntime reaches there, and
 * transformers.js pads more.
 */
export const FULL_CONFIG: BenchConfig = {
  name: 'full',
  local: {
    standInSize: 'base',
    dtypes: ['fp32', 'q8'],
    contenders: [...LOCAL_CONTENDERS],
    threads: 2,
    batchSize: 8,
    corpusTexts: 128,
    maxTokens: 500,
    photos: 24,
    mixed: { texts: 36, photos: 12 },
    // Calls larger than a batch, as a user embedding a folder makes them: the runtime sorts
    // texts within a call and decodes the next batch of photos while the current one runs.
    callSizes: { texts: 32, photos: 12, mixed: 8 },
    // The photo folder is short (2 calls), so it runs 3 times and each call's fastest counts.
    rounds: { texts: 1, photos: 3, mixed: 1 },
  },
  photoSizes: PHOTO_SIZES,
  preprocess: { sizes: [224, 512], repeats: 5, warmUps: 20, scalingPhotos: 24, workers: [1, 2] },
  hosted: {
    texts: 10_000,
    photos: 200,
    runs: [
      // jina-clip-v1: the model @llamaindex/jinaai embeds images with.
      { model: 'jina-clip-v1', contenders: [...HOSTED_CONTENDERS] },
      // jina-clip-v2: @langchain/community's default model (the one its requests are valid for).
      {
        model: 'jina-clip-v2',
        contenders: [
          'http floor',
          'jina-clip-runtime',
          'jina-clip-ai-provider',
          '@langchain/community JinaEmbeddings',
          '@llamaindex/jinaai JinaAIEmbedding',
          'jina-clip-runtime (originals)',
        ],
      },
    ],
    scenario: { name: 'capped', latencyMs: 50, concurrencyLimit: 2, retryAfterMs: 1000 },
  },
};

/** The smoke run (CI): every contender and code path on tiny models and workloads, in seconds. */
export const SMOKE_CONFIG: BenchConfig = {
  name: 'smoke',
  local: {
    standInSize: 'tiny',
    dtypes: ['fp32'],
    contenders: [...LOCAL_CONTENDERS],
    threads: 1,
    batchSize: 4,
    corpusTexts: 12,
    maxTokens: 80,
    photos: 3,
    mixed: { texts: 6, photos: 2 },
    callSizes: { texts: 6, photos: 2, mixed: 4 },
    rounds: { texts: 1, photos: 2, mixed: 1 },
  },
  photoSizes: [
    { width: 320, height: 240 },
    { width: 800, height: 600 },
  ],
  preprocess: { sizes: [224, 512], repeats: 1, warmUps: 1, scalingPhotos: 3, workers: [1, 2] },
  hosted: {
    texts: 300,
    photos: 3,
    runs: [{ model: 'jina-clip-v1', contenders: [...HOSTED_CONTENDERS] }],
    scenario: { name: 'capped', latencyMs: 5, concurrencyLimit: 2, retryAfterMs: 100 },
  },
};
