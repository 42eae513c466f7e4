import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeOnnxModel } from 'jina-clip-runtime/testing';
import { bertTextGraph, JINA_CLIP_V1_TEXT_SHAPE, type TextTowerShape } from './bert-text-graph.js';
import type { StandInDtype } from './graph-builder.js';
import {
  JINA_CLIP_V1_VISION_SHAPE,
  type VisionTowerShape,
  vitVisionGraph,
} from './vit-vision-graph.js';
import {
  wordPieceTokenizerConfig,
  wordPieceTokenizerJson,
  wordPieceVocabulary,
} from './wordpiece-vocabulary.js';

/** The Hub file suffix of each stand-in dtype (q8 is `quantize_dynamic`'s `_quantized`). */
export const STAND_IN_SUFFIXES = { fp32: '', q8: '_quantized' } as const;

/** Sizes of both towers of a stand-in. */
export interface StandInShape {
  text: TextTowerShape;
  vision: VisionTowerShape;
}

/**
 * `base`: jina-clip-v1 at its real size (BERT-base text tower, ViT-B/16 vision tower, about 110
 * and 86 million parameters). `tiny`: the same graphs two layers deep and 32 wide, for the smoke run.
 */
export const STAND_IN_SHAPES = {
  base: { text: JINA_CLIP_V1_TEXT_SHAPE, vision: JINA_CLIP_V1_VISION_SHAPE },
  tiny: {
    text: {
      encoder: { hidden: 32, heads: 2, intermediate: 64, layers: 2, epsilon: 1e-12 },
      vocabSize: 2048,
      maxPositions: 512,
      projection: 32,
    },
    vision: {
      encoder: { hidden: 32, heads: 2, intermediate: 64, layers: 2, epsilon: 1e-6 },
      imageSize: 224,
      patchSize: 16,
      projection: 32,
    },
  },
} as const satisfies Record<string, StandInShape>;

/** A size of stand-in. */
export type StandInSize = keyof typeof STAND_IN_SHAPES;

/** Options of {@link writeStandInRepo}. */
export interface StandInRepoOptions {
  /** Folder of the repo (Hub layout); files already there from an earlier run are reused. */
  directory: string;
  /** @default 'base' */
  size?: StandInSize;
  /** Weight precisions to write. @default ['fp32'] */
  dtypes?: readonly StandInDtype[];
}

/** A stand-in repo on disk. */
export interface StandInRepo {
  directory: string;
  size: StandInSize;
  shape: StandInShape;
  dtypes: readonly StandInDtype[];
  /** Milliseconds spent generating files this time (0 when all were cached). */
  generatedMs: number;
}

/** Bumped whenever the generated files would change, so stale caches are rewritten. */
const GENERATOR_VERSION = 1;
const MANIFEST = 'stand-in.json';

interface Manifest {
  version: number;
  files: string[];
}

async function readManifest(directory: string): Promise<Manifest> {
  const path = join(directory, MANIFEST);
  if (!existsSync(path)) return { version: GENERATOR_VERSION, files: [] };
  const manifest = JSON.parse(await readFile(path, 'utf8')) as Manifest;
  return manifest.version === GENERATOR_VERSION
    ? manifest
    : { version: GENERATOR_VERSION, files: [] };
}

async function writeAtomically(path: string, write: (temporary: string) => Promise<void>) {
  const temporary = `${path}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  await write(temporary);
  await rename(temporary, path);
}

function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function configJson(shape: StandInShape): object {
  return {
    _name_or_path: 'jina-clip-bench/stand-in-jina-clip-v1',
    architectures: ['JinaCLIPModel'],
    model_type: 'jina_clip',
    add_projections: false,
    projection_dim: shape.text.projection,
    text_config: {
      model_type: 'jina_clip_text',
      embed_dim: shape.text.projection,
      pooler_type: 'mean_pooler',
      proj_bias: false,
      proj_type: null,
      hf_model_name_or_path: 'jinaai/jina-bert-flash-implementation',
      hf_model_config_kwargs: { use_flash_attn: false },
    },
    vision_config: {
      model_type: 'jina_clip_vision',
      embed_dim: shape.vision.projection,
      image_size: shape.vision.imageSize,
      patch_size: shape.vision.patchSize,
      width: shape.vision.encoder.hidden,
      layers: shape.vision.encoder.layers,
    },
    torch_dtype: 'float32',
  };
}

/**
 * Writes (once; later calls reuse the files) a jina-clip-v1 repo in Hub layout with random
 * weights and the real architecture, sizes and graph signatures: `config.json`, `tokenizer.json`
 * (a 30528-token BERT WordPiece vocabulary), `tokenizer_config.json`, `preprocessor_config.json`
 * and `onnx/text_model{suffix}.onnx` + `onnx/vision_model{suffix}.onnx` per dtype, written with
 * the runtime's own ONNX writer (`writeOnnxModel` of `jina-clip-runtime/testing`).
 */
export async function writeStandInRepo(options: StandInRepoOptions): Promise<StandInRepo> {
  const size = options.size ?? 'base';
  const shape: StandInShape = STAND_IN_SHAPES[size];
  const dtypes = options.dtypes ?? ['fp32'];
  const { directory } = options;
  await mkdir(join(directory, 'onnx'), { recursive: true });
  const manifest = await readManifest(directory);
  const done = new Set(manifest.files);
  const started = performance.now();
  let generated = false;

  const ensure = async (file: string, write: (path: string) => Promise<void>) => {
    const path = join(directory, file);
    if (done.has(file) && existsSync(path)) return;
    await writeAtomically(path, write);
    done.add(file);
    generated = true;
    manifest.files = [...done].sort();
    await writeFile(join(directory, MANIFEST), jsonText(manifest));
  };

  const vocabulary = wordPieceVocabulary(shape.text.vocabSize);
  const textFiles: Record<string, unknown> = {
    'config.json': configJson(shape),
    'tokenizer.json': wordPieceTokenizerJson(vocabulary),
    'tokenizer_config.json': wordPieceTokenizerConfig(shape.text.maxPositions),
    'preprocessor_config.json': {
      fill_color: 0,
      interpolation: 'bicubic',
      mean: [0.48145466, 0.4578275, 0.40821073],
      std: [0.26862954, 0.26130258, 0.27577711],
      resize_mode: 'shortest',
      size: shape.vision.imageSize,
      image_processor_type: 'JinaCLIPImageProcessor',
      processor_class: 'JinaCLIPProcessor',
    },
  };
  for (const [file, value] of Object.entries(textFiles)) {
    await ensure(file, (path) => writeFile(path, jsonText(value)));
  }
  for (const dtype of dtypes) {
    const suffix = STAND_IN_SUFFIXES[dtype];
    await ensure(`onnx/text_model${suffix}.onnx`, async (path) => {
      await writeOnnxModel(
        path,
        bertTextGraph(shape.text, { dtype, seed: 1, attentionMask: true }),
      );
    });
    await ensure(`onnx/vision_model${suffix}.onnx`, async (path) => {
      await writeOnnxModel(path, vitVisionGraph(shape.vision, { dtype, seed: 2 }));
    });
  }
  return {
    directory,
    size,
    shape,
    dtypes,
    generatedMs: generated ? performance.now() - started : 0,
  };
}

function encoderParameters(encoder: StandInShape['text']['encoder']): number {
  const { hidden, intermediate, layers } = encoder;
  const attention = 4 * (hidden * hidden + hidden);
  const feedForward = hidden * intermediate + intermediate + intermediate * hidden + hidden;
  return layers * (attention + feedForward + 4 * hidden);
}

/** Parameters of each tower of a stand-in (what its fp32 file holds, 4 bytes each). */
export function standInParameters(shape: StandInShape): { text: number; vision: number } {
  const { text, vision } = shape;
  const hidden = text.encoder.hidden;
  const textParameters =
    (text.vocabSize + text.maxPositions + 1 + 2) * hidden +
    encoderParameters(text.encoder) +
    hidden * text.projection;
  const width = vision.encoder.hidden;
  const patches = (vision.imageSize / vision.patchSize) ** 2;
  const visionParameters =
    3 * width * vision.patchSize ** 2 +
    width +
    (patches + 2) * width +
    4 * width +
    encoderParameters(vision.encoder) +
    width * vision.projection;
  return { text: textParameters, vision: visionParameters };
}
