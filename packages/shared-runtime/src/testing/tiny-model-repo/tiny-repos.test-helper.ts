import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type TinyModelRepo, writeTinyModelRepo } from './write-tiny-model-repo.js';

/** A temporary folder with a tiny v1 and v2 repo in it (32 px images), for one test file. */
export interface TinyRepos {
  readonly root: string;
  readonly v1: TinyModelRepo;
  readonly v2: TinyModelRepo;
}

/**
 * @internal Test helper: registers the hooks that write {@link TinyRepos} into a new folder named
 * `prefix-…` before the file's tests and remove it after. Read the fields inside a test or hook.
 */
export function useTinyRepos(prefix: string): TinyRepos {
  const repos = {} as { root: string; v1: TinyModelRepo; v2: TinyModelRepo };
  beforeAll(async () => {
    repos.root = await mkdtemp(join(tmpdir(), `${prefix}-`));
    [repos.v1, repos.v2] = await Promise.all([
      writeTinyModelRepo(join(repos.root, 'v1'), { model: 'jina-clip-v1', imageSize: 32 }),
      writeTinyModelRepo(join(repos.root, 'v2'), { model: 'jina-clip-v2', imageSize: 32 }),
    ]);
  });
  afterAll(async () => {
    await rm(repos.root, { recursive: true, force: true });
  });
  return repos;
}
