import type { EmbeddingInput } from './inputs/embedding-input.js';
import type { TruncatedInput } from './local/local-backend-options.js';
import type { EmbeddingTask, ModelInfo } from './models/model-info.js';

/** Per-call options of {@link EmbeddingBackend.embed}. */
export interface EmbedOptions {
  /**
   * `'retrieval.query'` gives jina-clip-v2 its query instruction; `'retrieval.passage'` or no
   * task embeds a document (nothing is added, nothing sent). jina-clip-v1 has no tasks.
   */
  task?: EmbeddingTask;
  /** Matryoshka width (jina-clip-v2): the vector is truncated, then renormalised. */
  dimensions?: number;
  /** Cancels the call; it rejects with the signal's own reason. */
  signal?: AbortSignal;
  /** Called as inputs finish: `done` of `total` inputs embedded. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Extra headers for this call's requests (api backend; other backends ignore them), over the
   * backend's own `headers`. They cannot replace `authorization` or `content-type`.
   */
  headers?: Readonly<Record<string, string>>;
  /**
   * Called as each request of this call succeeds, with its status and (redacted) response
   * headers (api backend; other backends never call it).
   */
  onResponse?: (response: EmbedResponseInfo) => void;
  /**
   * Called once for this call when texts were longer than the model reads (local backend),
   * instead of the backend's `onTruncation`.
   * @default the backend's `onTruncation`
   */
  onTruncation?: (truncated: readonly TruncatedInput[]) => void;
}

/** One successful response of the api backend, as {@link EmbedOptions.onResponse} sees it. */
export interface EmbedResponseInfo {
  /** The HTTP status (2xx). */
  status: number;
  /** The response headers, names lower-cased, any echo of the API key redacted. */
  headers: Readonly<Record<string, string>>;
}

/** What {@link EmbeddingBackend.embed} resolves to. */
export interface EmbedResult {
  /** One vector per input, in input order. */
  embeddings: Float32Array[];
  /** Tokens billed (api) or read (local), summed over every request. */
  usage: { totalTokens: number };
}

/** A source of Jina CLIP embeddings: the hosted API, the local ONNX model, or your own. */
export interface EmbeddingBackend {
  /** The model this backend embeds with. */
  readonly model: ModelInfo;
  /** Embeds texts and images into one space; output order equals input order. */
  embed(inputs: readonly EmbeddingInput[], options?: EmbedOptions): Promise<EmbedResult>;
  /**
   * Settles every pending call at once (they reject with `BackendClosedError`), then releases
   * connections, sessions and files. Every later call rejects with `BackendClosedError`.
   */
  close(): Promise<void>;
}
