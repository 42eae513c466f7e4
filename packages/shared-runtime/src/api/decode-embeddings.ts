import { Buffer } from 'node:buffer';
import { endianness } from 'node:os';
import { ApiError } from '../errors/api-error.js';

const BIG_ENDIAN_HOST = endianness() === 'BE';

/** What one successful answer holds, by input position in its request. */
export interface DecodedEmbeddings {
  /** One vector per input of the request, at the input's position. */
  embeddings: Float32Array[];
  /** `usage.total_tokens` (0 when a compatible server reports none). */
  totalTokens: number;
}

/** Thrown for a 2xx answer whose body does not hold what was asked: never retried. */
function invalidResponse(reason: string, status: number, headers: Record<string, string>) {
  return new ApiError(`The embeddings API answered ${status} with an unusable body: ${reason}.`, {
    status,
    code: 'INVALID_RESPONSE',
    detail: reason,
    headers,
  });
}

/**
 * Decodes base64 of little-endian float32 values with a single write: the bytes are decoded
 * straight into a fresh, 4-byte aligned Float32Array (decoding with `Buffer.from` first and then
 * viewing it would need a copy whenever Node's buffer pool hands out an unaligned offset).
 * Returns undefined for a string that is not whole float32 values of valid base64.
 */
export function decodeBase64Float32(base64: string): Float32Array | undefined {
  const byteLength = Buffer.byteLength(base64, 'base64');
  if (byteLength % 4 !== 0) return undefined;
  const vector = new Float32Array(byteLength / 4);
  const bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  // Node's decoder skips characters outside the alphabet: fewer bytes written means bad input.
  if (bytes.write(base64, 'base64') !== byteLength) return undefined;
  if (BIG_ENDIAN_HOST) bytes.swap32();
  return vector;
}

function decodeVector(embedding: unknown): Float32Array | undefined {
  if (typeof embedding === 'string') return decodeBase64Float32(embedding);
  if (Array.isArray(embedding) && embedding.every((value) => typeof value === 'number')) {
    return Float32Array.from(embedding as number[]);
  }
  return undefined;
}

/**
 * Checks and decodes the body of a successful `POST /embeddings`: every input of the request
 * answered exactly once (`data[].index` covering 0..count-1, in any order), each vector `width`
 * finite values not all zero, base64 float32 or plain numbers. Anything else is an {@link ApiError} with code
 * `INVALID_RESPONSE`, so a wrong answer never becomes a wrong vector.
 */
export function decodeEmbeddingsResponse(
  body: unknown,
  expected: { count: number; width: number },
  response: { status: number; headers: Record<string, string> },
): DecodedEmbeddings {
  const fail = (reason: string) => invalidResponse(reason, response.status, response.headers);
  const data = (body as { data?: unknown } | null)?.data;
  if (typeof body !== 'object' || body === null || !Array.isArray(data)) {
    throw fail('no `data` array');
  }
  if (data.length !== expected.count) {
    throw fail(`${data.length} embeddings for ${expected.count} inputs`);
  }
  const embeddings = new Array<Float32Array>(expected.count);
  for (const [position, item] of data.entries()) {
    const index = (item as { index?: unknown } | null)?.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
      throw fail(`data[${position}].index is not an input position`);
    }
    if (index >= expected.count) {
      throw fail(`data[${position}].index ${index} is out of range for ${expected.count} inputs`);
    }
    if (embeddings[index] !== undefined) throw fail(`input ${index} was answered twice`);
    const vector = decodeVector((item as { embedding?: unknown }).embedding);
    if (vector === undefined) {
      throw fail(`data[${position}].embedding is neither base64 float32 nor an array of numbers`);
    }
    if (vector.length !== expected.width) {
      throw fail(`input ${index} has ${vector.length} dimensions, expected ${expected.width}`);
    }
    if (!vector.every(Number.isFinite)) throw fail(`input ${index} has non-finite values`);
    // No embedding is all zeros, and such a vector cannot be normalised: a server fault.
    if (vector.every((value) => value === 0)) throw fail(`input ${index} is an all-zero vector`);
    embeddings[index] = vector;
  }
  const usage = (body as { usage?: { total_tokens?: unknown; prompt_tokens?: unknown } }).usage;
  const tokens = usage?.total_tokens ?? usage?.prompt_tokens ?? 0;
  if (typeof tokens !== 'number' || !Number.isFinite(tokens) || tokens < 0) {
    throw fail('`usage.total_tokens` is not a number');
  }
  return { embeddings, totalTokens: tokens };
}
