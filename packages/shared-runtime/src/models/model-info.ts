/** A model id: one of the known Jina CLIP models, or any other id a compatible server serves. */
export type JinaClipModelId = 'jina-clip-v1' | 'jina-clip-v2' | (string & {});

/** A task the hosted API and the local backend understand. */
export type EmbeddingTask = 'retrieval.query' | 'retrieval.passage';

/** Request body fields beyond `model` and `input` that the hosted API accepts for a model. */
export type ApiParameter = 'normalized' | 'embedding_type' | 'dimensions' | 'task';

/** Facts about one model: sizes, limits, and what its API requests may carry. */
export interface ModelInfo {
  /** Model id as the API and the Hub name it (`jina-clip-v2`). */
  readonly id: string;
  /** Width of the full embedding. */
  readonly dimensions: number;
  /** Widths the embedding may be truncated to (Matryoshka), empty when it may not be. */
  readonly matryoshkaDimensions: readonly number[];
  /** Side of the square image the vision tower sees, in pixels. */
  readonly imageSize: number;
  /** Longest text the model reads, in tokens (longer texts are truncated, and reported). */
  readonly maxTokens: number;
  /** Text prefixed to queries (`task: 'retrieval.query'`), when the model has one. */
  readonly queryInstruction: string | undefined;
  /** Tasks the model distinguishes; empty when a task changes nothing (v1). */
  readonly tasks: readonly EmbeddingTask[];
  /** Body fields the hosted API accepts for this model besides `model` and `input`. */
  readonly apiParameters: readonly ApiParameter[];
  /** Tokens the hosted API bills per image tile of `imageSize` pixels. */
  readonly imageTokensPerTile: number;
  /** Hugging Face repository of the ONNX export. */
  readonly repo: string;
  /** Token id used to pad text batches. */
  readonly padTokenId: number;
}
