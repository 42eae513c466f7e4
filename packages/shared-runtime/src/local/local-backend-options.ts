import type { ImageSourceOptions } from '../inputs/image-source-options.js';
import type { JinaClipModelId } from '../models/model-info.js';

/** Weight precisions of the ONNX exports, by their Hub file suffix. */
export const DTYPE_SUFFIXES = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
} as const;

/** A weight precision of the ONNX export. */
export type ModelDtype = keyof typeof DTYPE_SUFFIXES;

/** Where inference runs. `'auto'` tries CUDA and falls back to CPU. */
export type Device = 'cpu' | 'cuda' | 'auto';

/** Progress of one file download. */
export interface DownloadProgress {
  /** Repository path of the file (`onnx/model.onnx`). */
  file: string;
  /** Bytes on disk so far, including a resumed part. */
  loaded: number;
  /** Size of the file, when the Hub said. */
  total: number | undefined;
}

/** A text longer than the model reads, cut to its first tokens (see `onTruncation`). */
export interface TruncatedInput {
  /** Index of the text in the array passed to `embed`. */
  inputIndex: number;
  /**
   * Its length in tokens, special tokens (and any query instruction) included: exact when
   * `exact`, else a lower bound. Tokenizer work is bounded by what truncation keeps, so a text
   * much longer than the model reads (more than about 1.5 times the characters the kept tokens
   * take) is tokenized only as far as needed, and this counts the tokens of that part.
   */
  tokens: number;
  /** Whether `tokens` counts the whole text (else it is a lower bound). */
  exact: boolean;
  /** The model's limit: what was kept (the last special token included). */
  maxTokens: number;
}

/**
 * Options of `createLocalBackend`. The image limits and policies ({@link ImageSourceOptions}:
 * `maxImageBytes`, `maxImagePixels`, `maxImageScans`, `maxImageFrames`, `maxImageAspectRatio`,
 * `imageDecodeTimeout`, `imageDownloadTimeout`, `maxRedirects`, `allowPrivateNetwork`,
 * `allowFilePaths`, `imageFileRoot`) apply to every image: this backend
 * downloads image URLs itself.
 */
export interface LocalBackendOptions extends ImageSourceOptions {
  /** Model to run. @default 'jina-clip-v1' */
  model?: JinaClipModelId;
  /** Hugging Face repository to download from. @default `jinaai/${model}` */
  repo?: string;
  /** Branch, tag or commit. @default 'main' */
  revision?: string;
  /** Weight precision. @default 'fp32' */
  dtype?: ModelDtype;
  /** A local folder in Hub layout to load from, with no network. */
  modelPath?: string;
  /**
   * Hugging Face cache folder, shared with Python's huggingface_hub.
   * @default HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub
   */
  cacheDir?: string;
  /**
   * Use the cache only, never the network.
   * @default true when HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is 1, true, yes or on
   */
  offline?: boolean;
  /** Where to run. @default 'cpu' */
  device?: Device;
  /** Intra-op threads of the ONNX sessions. @default onnxruntime's own choice */
  threads?: number;
  /**
   * Worker threads that decode and resample images, so that preprocessing runs on the cores
   * inference leaves free and off the main thread; `0` preprocesses inline, in the main thread.
   * Threads start with the first image and end at `close()`. sharp decodes on libuv's threadpool
   * (`UV_THREADPOOL_SIZE`, 4 threads unless set), so at most that many images decode at once:
   * on more than 4 cores, start Node.js with `UV_THREADPOOL_SIZE` set to the core count.
   * @default min(max(0, availableParallelism() - threads), UV_THREADPOOL_SIZE - 1), with
   * `threads` taken as half the logical cores when unset (onnxruntime's own default is the
   * physical core count)
   */
  imageWorkers?: number;
  /**
   * Decode every image at full size and resample it exactly as PIL does, bit-identical to the
   * model's Python processor. By default a JPEG that libjpeg can decode at 1/2, 1/4 or 1/8 scale
   * while keeping 1.5x or more of the model's input size is first shrunk on load (like Pillow's
   * `draft()`): several times faster on photos, within a mean of 0.4 and a max of 6 levels of
   * PIL's pixels.
   * @default false
   */
  exactImages?: boolean;
  /** Inputs per inference batch. @default 16 */
  batchSize?: number;
  /** Return unit-length vectors. @default true */
  normalized?: boolean;
  /** Called as model files download. */
  onDownloadProgress?: (progress: DownloadProgress) => void;
  /** Hugging Face token for gated or private repositories. @default HF_TOKEN, else HUGGING_FACE_HUB_TOKEN */
  hfToken?: string;
  /** Hub base URL. @default process.env.HF_ENDPOINT ?? 'https://huggingface.co' */
  endpoint?: string;
  /**
   * Milliseconds a Hub metadata request (`HEAD`) may wait for its answer; past it the Hub counts
   * as unreachable (a complete cached snapshot then stands in, else a `ModelLoadError`).
   * @default HF_HUB_ETAG_TIMEOUT (seconds) × 1000, else 10000, as huggingface_hub
   */
  hubMetadataTimeout?: number;
  /**
   * Milliseconds a model download may wait for its response headers, and then between two
   * chunks of its body (a slow but moving download is never cut); a stalled download resumes
   * up to 5 times in a row, then is a `ModelLoadError`.
   * @default HF_HUB_DOWNLOAD_TIMEOUT (seconds) × 1000, else 10000, as huggingface_hub
   */
  hubDownloadTimeout?: number;
  /**
   * Called once per `embed` call whose texts were longer than the model reads (they are cut to
   * the first `maxTokens` tokens, as the model's Python tokenizer does with `truncation=True`).
   * @default a `process.emitWarning` of type `JinaClipTruncationWarning` naming the inputs
   */
  onTruncation?: (truncated: readonly TruncatedInput[]) => void;
  /**
   * Let onnxruntime's own telemetry run. onnxruntime-node 1.30 on Linux otherwise writes
   * `$TMPDIR/mat-debug-<pid>.log` and `~/.cache/Microsoft/` files and tries to upload usage
   * data; the backend sets `ORT_DISABLE_TELEMETRY=1` in the process environment before loading
   * onnxruntime-node, unless this is true or the variable is already set
   * (`ORT_DISABLE_TELEMETRY=0` opts in too). Process-wide: the first backend that loads decides.
   * @default false
   */
  onnxTelemetry?: boolean;
}
