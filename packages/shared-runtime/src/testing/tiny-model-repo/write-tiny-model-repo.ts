import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../../errors/invalid-input-error.js';
import { DTYPE_SUFFIXES, type ModelDtype } from '../../local/local-backend-options.js';
import { MODELS } from '../../models/models.js';
import { writeOnnxModel } from '../onnx-model-writer.js';
import { tinyV1TextGraph, tinyV1VisionGraph, tinyV2Graph } from './tiny-graphs.js';
import { createTinyModelWeights, type TinyModelWeights } from './tiny-model-weights.js';
import { tinyUnigramTokenizer, tinyWordPieceTokenizer } from './tiny-tokenizers.js';

/** CLIP's image normalisation, as the real `preprocessor_config.json` files carry it. */
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/** Options of {@link writeTinyModelRepo}. */
export interface TinyModelRepoOptions {
  /** Which model's file layout and graph signatures to imitate. */
  model: 'jina-clip-v1' | 'jina-clip-v2';
  /** jina-clip-v1 only: give the text graph an `attention_mask` input (else it derives the mask from `input_ids != 0`). @default true */
  attentionMask?: boolean;
  /** Write the same float32 graphs under each dtype's Hub file name (`text_model_fp16.onnx`, ...). @default ['fp32'] */
  dtypes?: readonly ModelDtype[];
  /** Embedding width of the graphs. @default 16 */
  width?: number;
  /** Width of the token vectors before the text projection. @default 8 */
  hiddenSize?: number;
  /** Side of the square `pixel_values` input, in pixels. @default 224 for v1, 512 for v2 */
  imageSize?: number;
  /** Blocks per side the vision tower averages over; must divide `imageSize`. @default 4 */
  patchGrid?: number;
  /** `model_max_length` of `tokenizer_config.json`: where texts are truncated. @default 8192 */
  maxTokens?: number;
  /** Seed of the weights. @default 1 */
  seed?: number;
  /** jina-clip-v2 only: the query instruction written to `config.json`. @default the real model's */
  queryInstruction?: string;
}

/** A tiny repo on disk, with what a test needs to recompute its vectors. */
export interface TinyModelRepo {
  /** The folder, in Hub layout: pass it as `modelPath`, or serve it as a Hub repo. */
  readonly directory: string;
  readonly model: 'jina-clip-v1' | 'jina-clip-v2';
  /** Repository paths written, `/`-separated (`onnx/model.onnx_data`). */
  readonly files: readonly string[];
  readonly width: number;
  readonly hiddenSize: number;
  readonly imageSize: number;
  readonly patchGrid: number;
  /** Whether the (v1) text graph takes an `attention_mask` input. Always false for v2. */
  readonly attentionMask: boolean;
  readonly padTokenId: number;
  readonly maxTokens: number;
  /** `matryoshka_dimensions` of `config.json` (empty for v1). */
  readonly matryoshkaDimensions: readonly number[];
  /** The query instruction of `config.json` (v2), undefined for v1. */
  readonly queryInstruction: string | undefined;
  /** Token (piece) to id. */
  readonly vocabulary: ReadonlyMap<string, number>;
  /** `mean` and `std` of `preprocessor_config.json`, per RGB channel. */
  readonly imageMean: readonly number[];
  readonly imageStd: readonly number[];
  readonly weights: TinyModelWeights;
}

function positiveInteger(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidInputError(`\`${field}\` must be a positive integer, got ${value}.`, {
      field,
    });
  }
  return value;
}

/** Widths a tiny v2 repo advertises for Matryoshka truncation: W/8, W/4, W/2 and W, where whole. */
function tinyMatryoshkaDimensions(width: number): number[] {
  return [width / 8, width / 4, width / 2, width].filter(
    (dimensions, index, all) => Number.isInteger(dimensions) && all.indexOf(dimensions) === index,
  );
}

async function writeJson(directory: string, file: string, value: unknown): Promise<void> {
  await writeFile(join(directory, file), `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Writes a complete, tiny, deterministic stand-in for a Jina CLIP Hub repo into `directory`
 * (created if needed): `config.json`, `tokenizer.json`, `tokenizer_config.json`,
 * `preprocessor_config.json` and the ONNX graphs with the real input and output names, dtypes
 * and dynamic axes (v1: `onnx/text_model.onnx` + `onnx/vision_model.onnx`; v2: `onnx/model.onnx`
 * with every weight matrix in `onnx/model.onnx_data`). The graphs are
 * - text: `MatMul(masked mean over tokens of Gather(token_embedding, input_ids), text_projection)`,
 * - image: `MatMul(Flatten(AveragePool(pixel_values, patch blocks)), vision_projection)`,
 * and {@link expectedTinyEmbedding} recomputes them in plain JS.
 */
export async function writeTinyModelRepo(
  directory: string,
  options: TinyModelRepoOptions,
): Promise<TinyModelRepo> {
  const { model } = options;
  if (model !== 'jina-clip-v1' && model !== 'jina-clip-v2') {
    throw new InvalidInputError(`Unknown tiny model "${String(model)}".`, { field: 'model' });
  }
  const isV2 = model === 'jina-clip-v2';
  const width = positiveInteger(options.width ?? 16, 'width');
  const hiddenSize = positiveInteger(options.hiddenSize ?? 8, 'hiddenSize');
  const imageSize = positiveInteger(options.imageSize ?? MODELS[model].imageSize, 'imageSize');
  const patchGrid = positiveInteger(options.patchGrid ?? 4, 'patchGrid');
  const maxTokens = positiveInteger(options.maxTokens ?? MODELS[model].maxTokens, 'maxTokens');
  if (imageSize % patchGrid !== 0) {
    throw new InvalidInputError(
      `\`patchGrid\` (${patchGrid}) must divide \`imageSize\` (${imageSize}).`,
      { field: 'patchGrid' },
    );
  }
  const dtypes = options.dtypes ?? ['fp32'];
  for (const dtype of dtypes) {
    if (!Object.hasOwn(DTYPE_SUFFIXES, dtype)) {
      throw new InvalidInputError(`Unknown dtype "${dtype}".`, { field: 'dtypes' });
    }
  }
  const attentionMask = !isV2 && (options.attentionMask ?? true);
  const padTokenId = MODELS[model].padTokenId;
  const queryInstruction = isV2
    ? (options.queryInstruction ?? MODELS['jina-clip-v2'].queryInstruction)
    : undefined;
  const matryoshkaDimensions = isV2 ? tinyMatryoshkaDimensions(width) : [];
  const tokenizer = isV2 ? tinyUnigramTokenizer() : tinyWordPieceTokenizer();
  const shape = {
    width,
    hiddenSize,
    imageSize,
    patchGrid,
    vocabularySize: tokenizer.vocabulary.size,
  };
  const weights = createTinyModelWeights(options.seed ?? 1, shape);

  await mkdir(join(directory, 'onnx'), { recursive: true });
  const files = [
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'preprocessor_config.json',
  ];
  await writeJson(directory, 'config.json', {
    _name_or_path: `tiny-${model}`,
    architectures: ['JinaCLIPModel'],
    model_type: 'jina_clip',
    add_projections: false,
    projection_dim: width,
    ...(isV2 ? { matryoshka_dimensions: matryoshkaDimensions, truncate_dim: null } : {}),
    text_config: {
      model_type: 'jina_clip_text',
      embed_dim: width,
      pooler_type: 'mean_pooler',
      proj_bias: false,
      proj_type: null,
      hf_model_name_or_path: isV2
        ? 'jinaai/jina-embeddings-v3'
        : 'jinaai/jina-bert-flash-implementation',
      ...(isV2
        ? {
            default_instruction_task: null,
            default_lora_task: 'retrieval.query',
            hf_model_config_kwargs: {
              load_trained_adapters: false,
              lora_adaptations: ['retrieval.query'],
              task_instructions: { 'retrieval.query': queryInstruction },
              use_flash_attn: false,
            },
          }
        : { hf_model_config_kwargs: { use_flash_attn: false } }),
    },
    vision_config: {
      model_type: 'jina_clip_vision',
      embed_dim: width,
      image_size: imageSize,
      patch_size: imageSize / patchGrid,
      width: hiddenSize,
    },
    torch_dtype: 'float32',
  });
  await writeJson(directory, 'tokenizer.json', tokenizer.json);
  await writeJson(
    directory,
    'tokenizer_config.json',
    isV2
      ? {
          tokenizer_class: 'XLMRobertaTokenizer',
          model_max_length: maxTokens,
          bos_token: '<s>',
          eos_token: '</s>',
          cls_token: '<s>',
          sep_token: '</s>',
          pad_token: '<pad>',
          unk_token: '<unk>',
          mask_token: '<mask>',
          clean_up_tokenization_spaces: true,
        }
      : {
          tokenizer_class: 'BertTokenizer',
          model_max_length: maxTokens,
          do_lower_case: true,
          cls_token: '[CLS]',
          sep_token: '[SEP]',
          pad_token: '[PAD]',
          unk_token: '[UNK]',
          mask_token: '[MASK]',
          clean_up_tokenization_spaces: true,
        },
  );
  await writeJson(directory, 'preprocessor_config.json', {
    fill_color: 0,
    interpolation: 'bicubic',
    mean: CLIP_MEAN,
    std: CLIP_STD,
    resize_mode: 'shortest',
    size: imageSize,
    image_processor_type: 'JinaCLIPImageProcessor',
    processor_class: 'JinaCLIPProcessor',
  });

  for (const dtype of dtypes) {
    const suffix = DTYPE_SUFFIXES[dtype];
    if (isV2) {
      const graph = tinyV2Graph(shape, weights, padTokenId);
      await writeOnnxModel(join(directory, 'onnx', `model${suffix}.onnx`), graph, {
        // Every weight matrix goes external (the small axes and pad-id constants stay inline).
        externalData: { location: `model${suffix}.onnx_data`, threshold: 64 },
      });
      files.push(`onnx/model${suffix}.onnx`, `onnx/model${suffix}.onnx_data`);
    } else {
      const mask = attentionMask
        ? ({ kind: 'input' } as const)
        : ({ kind: 'derived', padTokenId } as const);
      await writeOnnxModel(
        join(directory, 'onnx', `text_model${suffix}.onnx`),
        tinyV1TextGraph(shape, weights, mask),
      );
      await writeOnnxModel(
        join(directory, 'onnx', `vision_model${suffix}.onnx`),
        tinyV1VisionGraph(shape, weights),
      );
      files.push(`onnx/text_model${suffix}.onnx`, `onnx/vision_model${suffix}.onnx`);
    }
  }

  return {
    directory,
    model,
    files,
    width,
    hiddenSize,
    imageSize,
    patchGrid,
    attentionMask,
    padTokenId,
    maxTokens,
    matryoshkaDimensions,
    queryInstruction,
    vocabulary: tokenizer.vocabulary,
    imageMean: CLIP_MEAN,
    imageStd: CLIP_STD,
    weights,
  };
}
