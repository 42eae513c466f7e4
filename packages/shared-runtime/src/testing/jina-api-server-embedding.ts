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

/**
 * The model's full-width vector for a seed, in float64: xoshiro128** seeded with the seed's first
 * 16 bytes, one value per 32-bit output. One SHA-256 per input (the seed) and a few integer
 * operations per value keep the server's CPU per answer far below the client's, so a latency
 * bound measured against this server measures the client. Hand-written because Node has no
 * seedable generator; xoshiro128** is Blackman and Vigna's reference algorithm.
 */
function fullVector(seed: Buffer, width: number): Float64Array {
  let a = seed.readUInt32BE(0);
  let b = seed.readUInt32BE(4);
  let c = seed.readUInt32BE(8);
  let d = seed.readUInt32BE(12);
  // The all-zero state is xoshiro's one fixed point; a SHA-256 prefix of zeros is not a concern
  // in practice, but the generator must never emit a constant vector.
  if ((a | b | c | d) === 0) a = 0x9e3779b9;
  const values = new Float64Array(width);
  for (let i = 0; i < width; i++) {
    const scrambled = Math.imul(rotateLeft(Math.imul(b, 5), 7), 9) >>> 0;
    const shifted = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= shifted;
    d = rotateLeft(d, 11);
    values[i] = scrambled / 2 ** 31 - 1;
  }
  return values;
}

/** Rotates a 32-bit value left by `bits`. */
function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/**
 * The exact vector the loopback Jina API server answers for `input` (as sent on the wire, or a
 * bare text) under `model`, so a test can check identity and order: a deterministic function of
 * the content, unit length over the model's full width (one SHA-256 of the content seeds a xoshiro128**
 * generator), then truncated to `dimensions` and
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
  let sum = 0;
  for (let i = 0; i < (normalized ? width : full.length); i++) sum += full[i]! * full[i]!;
  const scale = (normalized ? 1 : 1.5 + seed[0]! / 255) / Math.sqrt(sum);
  const vector = new Float32Array(width);
  for (let i = 0; i < width; i++) vector[i] = full[i]! * scale;
  return vector;
}
