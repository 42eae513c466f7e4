import { statfs } from 'node:fs/promises';
import { ModelLoadError } from '../../errors/index.js';

/**
 * Fails before a download that the disk holding `folder` has no room for, as huggingface_hub's
 * `_check_disk_space` checks (it only warns; here the download would fail half-way anyway, with
 * an ENOSPC that leaves a large partial file behind). Where `statfs` is not available (some
 * network filesystems), nothing is checked.
 *
 * @throws ModelLoadError naming the file, the bytes needed and the bytes free.
 */
export async function checkFreeDiskSpace(
  folder: string,
  bytesNeeded: number,
  file: string,
  repo: string,
): Promise<void> {
  let free: number;
  try {
    const stats = await statfs(folder);
    free = Number(stats.bavail) * Number(stats.bsize);
  } catch {
    return;
  }
  if (!Number.isFinite(free) || free >= bytesNeeded) return;
  throw new ModelLoadError(
    `Not enough free disk space to download ${file} of ${repo}: it needs ${bytesNeeded} bytes but ${folder} has ${free} free. ` +
      'Free some space, or point cacheDir (or HF_HUB_CACHE / HF_HOME) at a disk with room.',
    { file },
  );
}
