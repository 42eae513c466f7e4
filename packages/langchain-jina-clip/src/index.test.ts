import * as runtime from 'jina-clip-runtime';
import { describe, expect, it } from 'vitest';
import * as entry from './index.js';

describe('langchain-jina-clip entry', () => {
  it("re-exports the runtime's error classes and embedSettled, so an adapter project needs no runtime import", () => {
    for (const name of [
      'ApiError',
      'AuthenticationError',
      'BackendClosedError',
      'ConnectionError',
      'ImageLoadError',
      'InvalidInputError',
      'JinaClipError',
      'ModelLoadError',
      'RateLimitError',
      'TimeoutError',
      'embedSettled',
    ] as const) {
      expect(entry[name], name).toBe(runtime[name]);
    }
  });
});
