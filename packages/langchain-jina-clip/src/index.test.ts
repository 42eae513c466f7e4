import * as runtime from 'jina-clip-runtime';
import { describe, expect, it } from 'vitest';
import * as entry from './index.js';

describe('langchain-jina-clip entry', () => {
  it("re-exports the runtime's error classes and embedSettled, so an adapter project needs no runtime import", () => {
    const pick = (module: typeof runtime | typeof entry) => ({
      ApiError: module.ApiError,
      AuthenticationError: module.AuthenticationError,
      BackendClosedError: module.BackendClosedError,
      ConnectionError: module.ConnectionError,
      ImageLoadError: module.ImageLoadError,
      InvalidInputError: module.InvalidInputError,
      JinaClipError: module.JinaClipError,
      ModelLoadError: module.ModelLoadError,
      RateLimitError: module.RateLimitError,
      TimeoutError: module.TimeoutError,
      embedSettled: module.embedSettled,
    });
    const exported = pick(entry);
    const expected = pick(runtime);
    for (const name of Object.keys(expected) as (keyof typeof expected)[]) {
      expect(typeof exported[name], name).toBe('function');
      expect(exported[name], name).toBe(expected[name]);
    }
  });
});
