import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  AuthenticationError,
  ConnectionError,
  ImageLoadError,
  InvalidInputError,
  JinaClipError,
  ModelLoadError,
  RateLimitError,
  TimeoutError,
} from './index.js';
import { markerFor } from './jina-clip-error.js';

describe('error classes', () => {
  it('have stable names and form one hierarchy', () => {
    const cause = new Error('socket hang up');
    const errors = [
      [new ApiError('m', { status: 500 }), 'ApiError'],
      [new AuthenticationError('m', { status: 401 }), 'AuthenticationError'],
      [new RateLimitError('m', { status: 429, retryAfterMs: 1000 }), 'RateLimitError'],
      [new ConnectionError('m', { cause }), 'ConnectionError'],
      [new TimeoutError('m', { timeoutMs: 5 }), 'TimeoutError'],
      [new InvalidInputError('m', { inputIndex: 3 }), 'InvalidInputError'],
      [new ImageLoadError('m', { inputIndex: 2 }), 'ImageLoadError'],
      [new ModelLoadError('m', { file: 'onnx/model.onnx' }), 'ModelLoadError'],
    ] as const;
    for (const [error, name] of errors) {
      expect(error.name).toBe(name);
      expect(error).toBeInstanceOf(JinaClipError);
      expect(error).toBeInstanceOf(Error);
      expect(JinaClipError.isInstance(error)).toBe(true);
    }
    expect(new RateLimitError('m', { status: 429 })).toBeInstanceOf(ApiError);
    expect(AuthenticationError.isInstance(new ApiError('m', { status: 401 }))).toBe(false);
    expect(new TimeoutError('m', { timeoutMs: 1 })).toBeInstanceOf(ConnectionError);
    expect(new ConnectionError('m')).not.toBeInstanceOf(TimeoutError);
    expect(JinaClipError.isInstance(new Error('x'))).toBe(false);
    expect(JinaClipError.isInstance(null)).toBe(false);
  });

  it('carry the fields a caller branches on, and their cause', () => {
    const cause = new Error('inner');
    const error = new RateLimitError('slow down', {
      status: 429,
      code: 'rate_limited',
      requestId: 'req-1',
      detail: 'Too many requests',
      headers: { 'retry-after': '2' },
      retryAfterMs: 2000,
      cause,
    });
    expect(error).toMatchObject({
      status: 429,
      code: 'rate_limited',
      requestId: 'req-1',
      detail: 'Too many requests',
      retryable: true,
      retryAfterMs: 2000,
      headers: { 'retry-after': '2' },
    });
    expect(error.cause).toBe(cause);
    expect(new ApiError('bad', { status: 422 }).retryable).toBe(false);
    for (const status of [408, 409, 429, 500, 502, 503]) {
      expect(new ApiError('x', { status }).retryable).toBe(true);
    }
  });

  it('are recognised across duplicated package copies by their Symbol.for marker', () => {
    // An error made by another copy of the package: same markers, different classes.
    class OtherCopyError extends Error {}
    const foreign = new OtherCopyError('from another copy');
    for (const name of ['JinaClipError', 'ApiError', 'RateLimitError']) {
      Object.defineProperty(foreign, markerFor(name), { value: true });
    }
    expect(foreign).toBeInstanceOf(RateLimitError);
    expect(RateLimitError.isInstance(foreign)).toBe(true);
    expect(ApiError.isInstance(foreign)).toBe(true);
    expect(AuthenticationError.isInstance(foreign)).toBe(false);
  });

  it('keep markers out of JSON and enumerable properties', () => {
    const error = new InvalidInputError('Input 1 is an empty text.', { inputIndex: 1 });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'InvalidInputError',
      inputIndex: 1,
    });
    expect(
      Object.getOwnPropertySymbols(error).every(
        (symbol) => !Object.getOwnPropertyDescriptor(error, symbol)?.enumerable,
      ),
    ).toBe(true);
    expect(inspect(error)).toContain('Input 1 is an empty text.');
  });
});
