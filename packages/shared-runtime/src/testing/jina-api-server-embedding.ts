import { createHash } from 'node:crypto';
import type { WireInput } from '../api/embeddings-wire.js';
import type { EmbeddingTask, JinaClipModelId, ModelInfo } from '../models/model-info.js';
import { getModelInfo } from '../models/models.js';

/** What the loopback server embeds: an input as it travels on the wire (a bare string is text). */
export type ServerInput = string | WireInput;

/** Per-request settings that change a vector. */
export interface ServerEmbeddingOptions {
  /** `normalized` of the request. @default true */
  normalized?: boolean;
  /** `task` of the request; only `'retrieval.query'` on a model with tasks changes text vectors. */
  task?: EmbeddingTask;
}

function toWireInput(input: ServerInput): WireInput {
  return typeof input === 'string' ? { text: input } : input;
}

/**
 * The content a vector is derived from: the model, the kind, and the text (with the model's query
 * instruction prefixed for a v2 query, as the service does) or the image string as sent (URL or
 * base64). Images ignore the task.
 */
function contentKey(input: WireInput, model: ModelInfo, task: EmbeddingTask | undefined): string {
  if ('text' in input) {
    const query = task === 'retrieval.query' && model.tasks.includes(task);
    return `${model.id}\0text\0${query ? (model.queryInstruction ?? '') : ''}${input.text}`;
  }
  return `${model.id}\0image\0${input.image}`;
}

/** SHA-256 of an input's content: the seed of its vector and of the answer's shuffle. */
export function contentSeed(input: ServerInput, model: ModelInfo, task?: EmbeddingTask): Buffer {
  return createHash('sha256')
    .update(contentKey(toWireInput(input), model, task))
    .digest();
}

/** The model's full-width unit vector for a seed, in float64: SHA-256 in counter mode. */
function fullVector(seed: Buffer, width: number): Float64Array {
  const values = new Float64Array(width);
  for (let block = 0; block * 8 < width; block++) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(block);
    const digest = createHash('sha256').update(seed).update(counter).digest();
    for (let i = 0; i < 8 && block * 8 + i < width; i++) {
      values[block * 8 + i] = digest.readUInt32BE(i * 4) / 2 ** 31 - 1;
    }
  }
  return values;
}

/**
 * The exact vector the loopback Jina API server answers for `input` (as sent on the wire, or a
 * bare text) under `model`, so a test can check identity and order: a deterministic function of
 * the content, unit length over the model's full width, then truncated to `dimensions` and
 * renormalised (Matryoshka, as the service does). With `normalized: false` the vector is scaled
 * by a deterministic factor from 1.5 to 2.5 instead of renormalised. Computed in float64 and
 * rounded once to float32, exactly as the server sends it.
 */
export function expectedServerEmbedding(
  input: ServerInput,
  model: JinaClipModelId | ModelInfo,
  dimensions?: number,
  options: ServerEmbeddingOptions = {},
): Float32Array {
  const info = typeof model === 'string' ? getModelInfo(model) : model;
  const seed = contentSeed(input, info, options.task);
  const full = fullVector(seed, info.dimensions);
  const width = dimensions ?? info.dimensions;
  const normalized = options.normalized ?? true;
  const kept = full.subarray(0, width);
  let scale: number;
  if (normalized) {
    let sum = 0;
    for (const value of kept) sum += value * value;
    scale = 1 / Math.sqrt(sum);
  } else {
    let sum = 0;
    for (const value of full) sum += value * value;
    scale = (1.5 + seed[0]! / 255) / Math.sqrt(sum);
  }
  return Float32Array.from(kept, (value) => value * scale);
}
