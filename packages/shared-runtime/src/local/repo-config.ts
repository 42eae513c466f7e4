import { readFile } from 'node:fs/promises';
import { ModelLoadError } from '../errors/model-load-error.js';
import {
  type ImagePreprocessConfig,
  parsePreprocessorConfig,
} from '../images/image-preprocess-config.js';
import type { ModelInfo } from '../models/model-info.js';

/** What the local backend reads from a repository's JSON files. */
export interface RepoConfig {
  /** `tokenizer.json`, for the tokenizer library. */
  tokenizerJson: Record<string, unknown>;
  /** `tokenizer_config.json`, or `{}` when the repository has none. */
  tokenizerConfig: Record<string, unknown>;
  /** `preprocessor_config.json`, parsed. */
  imageConfig: ImagePreprocessConfig;
  /** Embedding width `config.json` states (`projection_dim`, else the towers' `embed_dim`). */
  width: number | undefined;
  /** `matryoshka_dimensions` of `config.json`, when it has them. */
  matryoshkaDimensions: readonly number[] | undefined;
  /** `text_config.hf_model_config_kwargs.task_instructions['retrieval.query']`, when present. */
  queryInstruction: string | undefined;
  /** `model_max_length` of `tokenizer_config.json`, when it is a real limit (not 1e30). */
  modelMaxLength: number | undefined;
}

type Json = Record<string, unknown>;

async function readJson(paths: Readonly<Record<string, string>>, file: string): Promise<Json> {
  const path = paths[file];
  if (path === undefined) return {};
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ModelLoadError(`Could not read ${file} (${path}).`, { file, cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ModelLoadError(`${file} (${path}) is not valid JSON.`, { file, cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelLoadError(`${file} (${path}) must hold a JSON object.`, { file });
  }
  return value as Json;
}

function object(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * Transformers writes `model_max_length = 1e30` (and some repos 2^31) to mean "no limit";
 * anything past a million tokens is treated as no limit.
 */
const NO_LIMIT = 1_000_000;

/** Reads `config.json`, `tokenizer.json`, `tokenizer_config.json` and `preprocessor_config.json`. */
export async function readRepoConfig(paths: Readonly<Record<string, string>>): Promise<RepoConfig> {
  const [config, tokenizerJson, tokenizerConfig, preprocessor] = await Promise.all([
    readJson(paths, 'config.json'),
    readJson(paths, 'tokenizer.json'),
    readJson(paths, 'tokenizer_config.json'),
    readJson(paths, 'preprocessor_config.json'),
  ]);
  const textConfig = object(config['text_config']);
  const visionConfig = object(config['vision_config']);
  const matryoshka = config['matryoshka_dimensions'];
  const instruction = object(object(textConfig['hf_model_config_kwargs'])['task_instructions'])[
    'retrieval.query'
  ];
  const modelMaxLength = positiveInteger(tokenizerConfig['model_max_length']);
  return {
    tokenizerJson,
    tokenizerConfig,
    imageConfig: parsePreprocessorConfig(preprocessor),
    width:
      positiveInteger(config['projection_dim']) ??
      positiveInteger(textConfig['embed_dim']) ??
      positiveInteger(visionConfig['embed_dim']),
    matryoshkaDimensions:
      Array.isArray(matryoshka) && matryoshka.every((value) => positiveInteger(value) !== undefined)
        ? (matryoshka as number[])
        : undefined,
    queryInstruction: typeof instruction === 'string' ? instruction : undefined,
    modelMaxLength:
      modelMaxLength !== undefined && modelMaxLength <= NO_LIMIT ? modelMaxLength : undefined,
  };
}

/**
 * The longest text the model reads: the smaller of the tokenizer's `model_max_length` and the
 * model's own limit (a tokenizer config may allow more than the model was trained on, or less).
 */
export function resolveMaxTokens(base: ModelInfo, repo: RepoConfig): number {
  return Math.min(repo.modelMaxLength ?? base.maxTokens, base.maxTokens);
}

/**
 * The facts of the loaded model: the table's, refined by the repository. The width is the
 * graph's; Matryoshka widths are the config's (the table's for a model that has them, when the
 * config says nothing) up to that width; the query instruction is the config's when it has one.
 */
export function loadedModelInfo(
  base: ModelInfo,
  repo: RepoConfig,
  facts: { width: number; padTokenId: number; imageSize: number; maxTokens: number },
): ModelInfo {
  const supportsMatryoshka = base.matryoshkaDimensions.length > 0;
  const matryoshka = supportsMatryoshka
    ? (repo.matryoshkaDimensions ?? base.matryoshkaDimensions).filter(
        (dimensions) => dimensions <= facts.width,
      )
    : [];
  return {
    ...base,
    dimensions: facts.width,
    matryoshkaDimensions:
      supportsMatryoshka && matryoshka.length === 0 ? [facts.width] : matryoshka,
    imageSize: facts.imageSize,
    maxTokens: facts.maxTokens,
    queryInstruction:
      base.tasks.length === 0 ? undefined : (repo.queryInstruction ?? base.queryInstruction),
    padTokenId: facts.padTokenId,
  };
}
