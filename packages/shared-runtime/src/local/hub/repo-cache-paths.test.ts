import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../errors/index.js';
import { joinInside, repoCachePaths } from './repo-cache-paths.js';

const CACHE = join('/cache', 'hub');
const STORAGE = join(CACHE, 'models--org--name');

describe('repoCachePaths', () => {
  it('lays out paths as huggingface_hub does', () => {
    const paths = repoCachePaths(CACHE, 'org/name');
    const commit = 'a'.repeat(40);
    expect(paths.pointer(commit, 'onnx/model.onnx')).toBe(
      join(STORAGE, 'snapshots', commit, 'onnx', 'model.onnx'),
    );
    expect(paths.ref('refs/pr/1')).toBe(join(STORAGE, 'refs', 'refs', 'pr', '1'));
    expect(paths.noExist(commit, 'a/b.json')).toBe(
      join(STORAGE, '.no_exist', commit, 'a', 'b.json'),
    );
  });

  it('refuses every name that would leave its folder, whichever path it makes', () => {
    const paths = repoCachePaths(CACHE, 'org/name');
    const commit = 'a'.repeat(40);
    const escapes: Array<() => string> = [
      () => paths.snapshot('../../../victim'),
      () => paths.snapshot('..'),
      () => paths.pointer('..', 'config.json'),
      () => paths.pointer(commit, '../../blobs/x'),
      () => paths.noExist('../../../victim', 'config.json'),
      () => paths.noExist(commit, '../x'),
      () => paths.ref('../../x'),
      () => paths.blob('../x'),
      () => paths.blob('a\\..\\..\\x'),
      () => paths.pointer(commit, ''),
      () => joinInside(CACHE, '/etc/passwd'),
    ];
    for (const pathOf of escapes) expect(pathOf).toThrow(ModelLoadError);
    expect(() => paths.snapshot('../../../victim')).toThrow(
      /outside .*: "snapshots\/\.\.\/\.\.\/\.\.\/victim" is not a plain relative path/,
    );
  });
});
