import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IngestSetupError } from './ingest-settings.js';

/** A held {@link lockFolder}. */
export interface FolderLock {
  /** Removes the lock file (only if this process still owns it). */
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<folder>/launcher.pid` for this process: two launchers on one Redis folder would run
 * two redis-servers on one append-only file and mix their runs. A lock left by a dead launcher
 * (its pid gone) is taken over.
 */
export async function lockFolder(folder: string): Promise<FolderLock> {
  const path = join(folder, 'launcher.pid');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx', mode: 0o600 });
      return {
        async release() {
          const owner = await readFile(path, 'utf8').catch(() => '');
          if (owner === String(process.pid)) await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await readFile(path, 'utf8').catch(() => ''));
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new IngestSetupError(
          `the Redis folder ${folder} is in use by another launcher (pid ${owner}): wait for it, or set INGEST_REDIS_DIRECTORY to another folder.`,
        );
      }
      await rm(path, { force: true });
    }
  }
  throw new IngestSetupError(`could not lock the Redis folder ${folder}.`);
}
