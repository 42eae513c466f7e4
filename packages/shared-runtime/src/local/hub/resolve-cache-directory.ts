import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Resolves the Hugging Face Hub cache folder exactly as Python's `huggingface_hub` does, so that
 * both share one cache: `cacheDir`, else `HF_HUB_CACHE` (or its legacy name
 * `HUGGINGFACE_HUB_CACHE`), else `HF_HOME/hub`, else `XDG_CACHE_HOME/huggingface/hub`, else
 * `~/.cache/huggingface/hub`. A leading `~` is expanded; the result is absolute.
 *
 * @param cacheDir - An explicit cache folder, which wins over the environment.
 */
export function resolveCacheDirectory(cacheDir?: string): string {
  const environment = process.env;
  const chosen =
    nonEmpty(cacheDir) ??
    nonEmpty(environment.HF_HUB_CACHE) ??
    nonEmpty(environment.HUGGINGFACE_HUB_CACHE) ??
    join(
      nonEmpty(environment.HF_HOME) ??
        join(nonEmpty(environment.XDG_CACHE_HOME) ?? join(homedir(), '.cache'), 'huggingface'),
      'hub',
    );
  return resolve(expandHome(chosen));
}

/** An unset and an empty variable mean the same: not configured. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(homedir(), path.slice(2));
  return path;
}
