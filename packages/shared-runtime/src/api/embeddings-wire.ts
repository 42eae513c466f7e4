import type { EmbeddingTask } from '../models/model-info.js';

/**
 * The wire schema of `POST {baseURL}/embeddings`, as the Jina Embeddings API speaks it. Shared by
 * the client (api backend) and the loopback server (testing entry).
 */

/** One input on the wire: a text, or an image as a URL or base64 bytes (no `data:` prefix). */
export type WireInput = { text: string } | { image: string };

/** How the service encodes each vector in the answer. */
export type EmbeddingType = 'float' | 'base64';

/** The request body. Optional fields are present only where the model accepts them. */
export interface EmbeddingsRequestBody {
  model: string;
  input: WireInput[];
  normalized?: boolean;
  embedding_type?: EmbeddingType;
  dimensions?: number;
  task?: EmbeddingTask;
}

/** One vector of the answer; `index` is the input's position in the request. */
export interface EmbeddingsResponseItem {
  object: 'embedding';
  index: number;
  /** Base64 of little-endian float32 values, or plain numbers for `embedding_type: 'float'`. */
  embedding: string | number[];
}

/** The answer of a successful request. `data` may come in any order. */
export interface EmbeddingsResponseBody {
  model: string;
  object: 'list';
  usage: { total_tokens: number; prompt_tokens?: number };
  data: EmbeddingsResponseItem[];
}

/** The body of an error answer. */
export interface ErrorResponseBody {
  /** A message, or FastAPI's list of validation errors (`[{ loc, msg, type }]`). */
  detail?: string | readonly unknown[];
  code?: string;
  request_id?: string;
  /** Per-field validation errors of a 422: `[{ field, message, type, input }]`. */
  errors?: readonly unknown[];
}
