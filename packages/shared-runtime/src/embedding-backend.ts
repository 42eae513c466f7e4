import type { EmbeddingInput } from './inputs/embedding-input.js';
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
