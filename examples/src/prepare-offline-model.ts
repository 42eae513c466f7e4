/**
 * Writes a tiny jina-clip repo (the real file layout and graph signatures, tiny deterministic
 * weights) for running the examples without network, and prints its folder. The vectors are
 * meaningless, but every code path is the real one.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeTinyModelRepo } from 'jina-clip-runtime/testing';

/** Writes (or rewrites) the tiny repo for `model` under the examples' cache and returns it. */
export async function prepareOfflineModel(
  model: 'jina-clip-v1' | 'jina-clip-v2' = 'jina-clip-v1',
): Promise<string> {
  const directory = join(homedir(), '.cache', 'jina-clip-examples', `tiny-${model}`);
  await writeTinyModelRepo(directory, { model });
  return directory;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(
    await prepareOfflineModel((process.argv[2] as 'jina-clip-v2' | undefined) ?? 'jina-clip-v1'),
  );
}
