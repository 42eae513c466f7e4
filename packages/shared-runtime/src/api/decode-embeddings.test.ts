import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { decodeBase64Float32, decodeEmbeddingsResponse } from './decode-embeddings.js';

function base64Of(values: readonly number[]): string {
  const bytes = Buffer.alloc(values.length * 4);
  for (const [index, value] of values.entries()) bytes.writeFloatLE(value, index * 4);
  return bytes.toString('base64');
}

const response = { status: 200, headers: { 'x-request-id': 'r1' } };

describe('decodeBase64Float32', () => {
  it('decodes little-endian float32 exactly, into its own aligned buffer', () => {
    const values = [0, -0, 1, -1.5, 3.4028234663852886e38, 1.401298464324817e-45, Math.fround(0.1)];
    for (let length = 1; length <= values.length; length++) {
      const vector = decodeBase64Float32(base64Of(values.slice(0, length)))!;
      expect(Array.from(vector)).toEqual(values.slice(0, length));
      expect(Object.is(vector[1], -0) || length < 2).toBe(true);
      expect(vector.byteOffset).toBe(0);
      expect(vector.buffer.byteLength).toBe(length * 4);
    }
  });

  it('decodes many small vectors whatever offsets Node would pool them at', () => {
    for (let width = 1; width <= 40; width++) {
      const values = Array.from({ length: width }, (_, index) => Math.fround(index / 7 - width));
      expect(Array.from(decodeBase64Float32(base64Of(values))!)).toEqual(values);
    }
  });

  it('accepts unpadded base64 and refuses what is not whole float32 values of base64', () => {
    expect(Array.from(decodeBase64Float32(base64Of([2, 4]).replace(/=+$/, ''))!)).toEqual([2, 4]);
    expect(decodeBase64Float32('AAAA')).toBeUndefined(); // 3 bytes
    expect(decodeBase64Float32('!!!!!!!!')).toBeUndefined();
    expect(decodeBase64Float32('')).toEqual(new Float32Array(0));
  });
});

describe('decodeEmbeddingsResponse', () => {
  it('places each vector at its index whatever the order, base64 or plain numbers', () => {
    const decoded = decodeEmbeddingsResponse(
      {
        usage: { total_tokens: 9 },
        data: [
          { index: 2, embedding: base64Of([3, 3]) },
          { index: 0, embedding: [1, 1] },
          { index: 1, embedding: base64Of([2, 2]) },
        ],
      },
      { count: 3, width: 2 },
      response,
    );
    expect(decoded.embeddings.map((vector) => Array.from(vector))).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(decoded.totalTokens).toBe(9);
  });

  it('falls back to prompt_tokens, then 0, when usage is partial or absent', () => {
    const data = [{ index: 0, embedding: [1] }];
    expect(
      decodeEmbeddingsResponse(
        { data, usage: { prompt_tokens: 4 } },
        { count: 1, width: 1 },
        response,
      ).totalTokens,
    ).toBe(4);
    expect(decodeEmbeddingsResponse({ data }, { count: 1, width: 1 }, response).totalTokens).toBe(
      0,
    );
  });

  const cases: Array<[string, unknown, string]> = [
    ['no data', { usage: {} }, 'no `data` array'],
    ['too few', { data: [{ index: 0, embedding: [1] }] }, '1 embeddings for 2 inputs'],
    [
      'a duplicate',
      {
        data: [
          { index: 1, embedding: [1] },
          { index: 1, embedding: [1] },
        ],
      },
      'input 1 was answered twice',
    ],
    [
      'out of range',
      {
        data: [
          { index: 0, embedding: [1] },
          { index: 2, embedding: [1] },
        ],
      },
      'data[1].index 2 is out of range for 2 inputs',
    ],
    [
      'a missing index',
      { data: [{ index: 0, embedding: [1] }, { embedding: [1] }] },
      'data[1].index is not an input position',
    ],
    [
      'a wrong width',
      {
        data: [
          { index: 0, embedding: [1] },
          { index: 1, embedding: [1, 2] },
        ],
      },
      'input 1 has 2 dimensions, expected 1',
    ],
    [
      'a bad embedding',
      {
        data: [
          { index: 0, embedding: [1] },
          { index: 1, embedding: { x: 1 } },
        ],
      },
      'data[1].embedding is neither base64 float32 nor an array of numbers',
    ],
    [
      'a NaN',
      {
        data: [
          { index: 0, embedding: [1] },
          { index: 1, embedding: base64Of([Number.NaN]) },
        ],
      },
      'input 1 has non-finite values',
    ],
    [
      'an infinity',
      {
        data: [
          { index: 0, embedding: [1] },
          { index: 1, embedding: base64Of([Number.NEGATIVE_INFINITY]) },
        ],
      },
      'input 1 has non-finite values',
    ],
    [
      'an all-zero base64 vector',
      {
        data: [
          { index: 0, embedding: [1] },
          { index: 1, embedding: base64Of([0]) },
        ],
      },
      'input 1 is an all-zero vector',
    ],
    [
      'an all-zero (negative zero) array',
      {
        data: [
          { index: 1, embedding: [1] },
          { index: 0, embedding: [-0] },
        ],
      },
      'input 0 is an all-zero vector',
    ],
  ];

  it.each(cases)('rejects an answer with %s as INVALID_RESPONSE', (_name, body, reason) => {
    let error: unknown;
    try {
      decodeEmbeddingsResponse(body, { count: 2, width: 1 }, response);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 200,
      code: 'INVALID_RESPONSE',
      detail: reason,
      retryable: false,
      headers: { 'x-request-id': 'r1' },
    });
  });
});
