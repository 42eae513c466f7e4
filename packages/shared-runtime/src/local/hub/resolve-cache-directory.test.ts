import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveCacheDirectory } from './resolve-cache-directory.js';

const VARIABLES = ['HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'HF_HOME', 'XDG_CACHE_HOME'];
const saved = new Map<string, string | undefined>();

beforeEach(() => {
  for (const name of VARIABLES) {
    saved.set(name, process.env[name]);
    delete process.env[name];
  }
});

afterEach(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('resolveCacheDirectory', () => {
  it('defaults to ~/.cache/huggingface/hub', () => {
    expect(resolveCacheDirectory()).toBe(join(homedir(), '.cache', 'huggingface', 'hub'));
  });

  it('follows huggingface_hub: cacheDir, HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME', () => {
    process.env.XDG_CACHE_HOME = '/xdg';
    expect(resolveCacheDirectory()).toBe('/xdg/huggingface/hub');
    process.env.HF_HOME = '/hf-home';
    expect(resolveCacheDirectory()).toBe('/hf-home/hub');
    process.env.HUGGINGFACE_HUB_CACHE = '/legacy-cache';
    expect(resolveCacheDirectory()).toBe('/legacy-cache');
    process.env.HF_HUB_CACHE = '/hub-cache';
    expect(resolveCacheDirectory()).toBe('/hub-cache');
    expect(resolveCacheDirectory('/explicit')).toBe('/explicit');
  });

  it('expands ~, makes the path absolute and ignores empty variables', () => {
    process.env.HF_HUB_CACHE = '';
    process.env.HF_HOME = '~/hf';
    expect(resolveCacheDirectory()).toBe(join(homedir(), 'hf', 'hub'));
    expect(resolveCacheDirectory('relative/cache')).toBe(resolve('relative/cache'));
    expect(resolveCacheDirectory('')).toBe(join(homedir(), 'hf', 'hub'));
  });
});
