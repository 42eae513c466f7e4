import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Folder outside the repository where generated photos and stand-in models are kept between
 * runs (they are large and deterministic, so they are made once).
 * @default process.env.JINA_CLIP_BENCH_CACHE ?? '~/.cache/jina-clip-bench'
 */
export function benchCacheDir(): string {
  return process.env.JINA_CLIP_BENCH_CACHE ?? join(homedir(), '.cache', 'jina-clip-bench');
}
