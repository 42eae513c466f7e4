import { ModelLoadError } from '../errors/model-load-error.js';
import type { ImagePreprocessConfig } from '../images/image-preprocess-config.js';
import type { ModelInfo } from '../models/model-info.js';
import { type ClipGraphs, createClipGraphs } from './clip-graphs.js';
import { locateModelFiles, modelFileNames } from './model-files.js';
import { applyOnnxTelemetryPolicy } from './onnx-telemetry.js';
import { readPadTokenId } from './pad-token-id.js';
import { loadedModelInfo, readRepoConfig, resolveMaxTokens } from './repo-config.js';
import type { LocalConfig } from './resolve-local-config.js';
import { loadTextTokenizer, type TextTokenizer } from './text-tokenizer.js';
import { TokenizerThread } from './tokenizer-thread.js';

/** Everything an `embed` call needs, loaded once per backend. */
export interface LocalModel {
  /** The loaded model's facts: width of its graph, its Matryoshka widths, limits, instruction. */
  info: ModelInfo;
  /**
   * The repository's tokenizer, built on first use (once; a failure is tried again by the next
   * call): only calls with texts load `@huggingface/tokenizers`.
   */
  tokenizer(): Promise<TextTokenizer>;
  /**
   * The worker thread that tokenizes long texts with the same tokenizer (started on the first
   * long text; terminated by the backend's `close()`).
   */
  tokenizerThread: TokenizerThread;
  imageConfig: ImagePreprocessConfig;
  /** The ONNX graphs, each opened on first use (a text-only user never opens v1's vision tower). */
  graphs: ClipGraphs;
  /** Where the files came from: `modelPath`, or `repo@commit`. */
  source: string;
}

/**
 * Loads the model: locates (or downloads) its files, reads its configs, and prepares its graphs
 * and its tokenizer (each built on first use). The embedding width is `config.json`'s, or the text graph's when the
 * config does not state it.
 */
export async function loadLocalModel(
  config: LocalConfig,
  signal: AbortSignal,
): Promise<LocalModel> {
  // Before onnxruntime-node is first imported: its telemetry is off unless the user opted in.
  applyOnnxTelemetryPolicy(config.onnxTelemetry);
  const files = modelFileNames(config.layout, config.dtype);
  const located = await locateModelFiles(config, files, signal);
  signal.throwIfAborted();
  const repo = await readRepoConfig(located.paths);
  const maxTokens = resolveMaxTokens(config.model, repo);
  const padTokenId = readPadTokenId(
    repo.tokenizerJson,
    repo.tokenizerConfig,
    config.model.padTokenId,
  );
  let tokenizer: Promise<TextTokenizer> | undefined;
  const loadTokenizer = () => {
    tokenizer ??= loadTextTokenizer(repo.tokenizerJson, repo.tokenizerConfig, {
      maxTokens,
      padTokenId,
    });
    // Forget a failure (the package missing, say), so that a later call tries again.
    tokenizer.catch(() => {
      tokenizer = undefined;
    });
    return tokenizer;
  };
  const graphs = await createClipGraphs({
    text: { file: files.textGraph, path: located.paths[files.textGraph]! },
    vision: { file: files.visionGraph, path: located.paths[files.visionGraph]! },
    session: { device: config.device, threads: config.threads },
    imageSize: repo.imageConfig.size,
    // The text a v2 graph is fed beside images (its output is not read): one token that is not
    // the pad token, so that the graph's derived mask keeps it. No tokenizer needed.
    placeholderTokenIds: [padTokenId === 0 ? 1 : 0],
  });
  const width = repo.width ?? (await graphs.declaredWidth());
  if (width === undefined) {
    await graphs.release();
    throw new ModelLoadError(
      `Cannot tell the embedding width of ${located.source}: config.json states no projection_dim or embed_dim, and ${files.textGraph} declares a symbolic width.`,
      { file: 'config.json' },
    );
  }
  return {
    info: loadedModelInfo(config.model, repo, {
      width,
      padTokenId,
      imageSize: repo.imageConfig.size,
      maxTokens,
    }),
    tokenizer: loadTokenizer,
    tokenizerThread: new TokenizerThread({
      tokenizerJsonPath: located.paths['tokenizer.json']!,
      tokenizerConfig: repo.tokenizerConfig,
      maxTokens,
      padTokenId,
    }),
    imageConfig: repo.imageConfig,
    graphs,
    source: located.source,
  };
}
