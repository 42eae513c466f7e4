import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelLoadError } from '../errors/model-load-error.js';
import { DTYPE_SUFFIXES, type ModelDtype } from './local-backend-options.js';
import type { GraphLayout, LocalConfig } from './resolve-local-config.js';

/** The repository paths of a model's files, as the Hub lays them out. */
export interface ModelFileNames {
  /** The graph that reads `input_ids` (the only graph, for the combined layout). */
  textGraph: string;
  /** The graph that reads `pixel_values` (the only graph, for the combined layout). */
  visionGraph: string;
  /** Files without which the model cannot run. */
  required: readonly string[];
  /** Files used when present: `tokenizer_config.json`, a graph's external weights. */
  optional: readonly string[];
}

/**
 * The files to fetch for a layout and dtype: `config.json`, `tokenizer.json`,
 * `preprocessor_config.json`, and `onnx/text_model{suffix}.onnx` + `onnx/vision_model{suffix}.onnx`
 * (separate towers) or `onnx/model{suffix}.onnx` with its `.onnx_data` weights when the export
 * has them (combined).
 */
export function modelFileNames(layout: GraphLayout, dtype: ModelDtype): ModelFileNames {
  const suffix = DTYPE_SUFFIXES[dtype];
  const common = ['config.json', 'tokenizer.json', 'preprocessor_config.json'];
  if (layout === 'separate-towers') {
    const textGraph = `onnx/text_model${suffix}.onnx`;
    const visionGraph = `onnx/vision_model${suffix}.onnx`;
    return {
      textGraph,
      visionGraph,
      required: [...common, textGraph, visionGraph],
      optional: ['tokenizer_config.json'],
    };
  }
  const graph = `onnx/model${suffix}.onnx`;
  return {
    textGraph: graph,
    visionGraph: graph,
    required: [...common, graph],
    optional: ['tokenizer_config.json', `${graph}_data`],
  };
}

/** Where each file of the model is on disk, by repository path (absent optional files left out). */
export interface LocatedModelFiles {
  /** Absolute paths, by repository path. */
  paths: Readonly<Record<string, string>>;
  /** Where they came from, for messages: the `modelPath` or `repo@commit`. */
  source: string;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds the model's files: in `modelPath` (a folder in Hub layout; nothing is downloaded), else
 * in the Hugging Face cache, downloading what is missing.
 *
 * @throws {ModelLoadError} naming the first missing file.
 */
export async function locateModelFiles(
  config: LocalConfig,
  files: ModelFileNames,
  signal: AbortSignal,
): Promise<LocatedModelFiles> {
  if (config.modelPath !== undefined) {
    const paths: Record<string, string> = {};
    const missing: string[] = [];
    for (const file of files.required) {
      const path = join(config.modelPath, file);
      if (await isFile(path)) paths[file] = path;
      else missing.push(file);
    }
    if (missing.length > 0) {
      throw new ModelLoadError(
        `modelPath ${config.modelPath} has no ${missing.join(', ')}: it must hold the model in Hub layout (${files.required.join(', ')}). Leave modelPath out to download ${config.repo}.`,
        { file: missing[0] },
      );
    }
    for (const file of files.optional) {
      const path = join(config.modelPath, file);
      if (await isFile(path)) paths[file] = path;
    }
    return { paths, source: config.modelPath };
  }
  const { downloadModelFiles } = await import('./hub/download-model-files.js');
  const downloaded = await downloadModelFiles({
    repo: config.repo,
    revision: config.revision,
    files: files.required,
    optionalFiles: files.optional,
    cacheDir: config.cacheDir,
    offline: config.offline,
    endpoint: config.endpoint,
    metadataTimeoutMs: config.hubMetadataTimeout,
    downloadTimeoutMs: config.hubDownloadTimeout,
    token: config.hfToken,
    onDownloadProgress: config.onDownloadProgress,
    signal,
  });
  return { paths: downloaded.paths, source: `${config.repo}@${downloaded.commit}` };
}
