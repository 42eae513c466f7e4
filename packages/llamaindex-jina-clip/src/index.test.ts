import * as runtime from 'jina-clip-runtime';
import { ADAPTER_RE_EXPORTS } from 'jina-clip-runtime/testing';
import { describe, expect, it } from 'vitest';
import * as entry from './index.js';

describe('llamaindex-jina-clip entry', () => {
  it("re-exports the runtime's error classes and embedSettled, so an adapter project needs no runtime import", () => {
    const exported = { ...entry };
    const expected = { ...runtime };
    for (const name of ADAPTER_RE_EXPORTS) {
      expect(typeof exported[name], name).toBe('function');
      expect(exported[name], name).toBe(expected[name]);
    }
  });
});
