import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { dirname, relative } from 'node:path';

/**
 * Points `snapshots/{commit}/{file}` at `blobs/{etag}` with a relative symlink, as
 * huggingface_hub's `_create_symlink` does (`../../blobs/{etag}`, one more `../` per folder of
 * the file's path), so the cache survives being moved. Where symlinks cannot be made (Windows
 * without developer mode, some network filesystems) the blob is copied instead; huggingface_hub
 * moves a new blob there, but a copy keeps `blobs/` complete for the next lookup.
 *
 * The link is made under a temporary name and renamed over the pointer, so a reader sees either
 * no pointer or a whole one.
 */
export async function createSnapshotPointer(blobPath: string, pointerPath: string): Promise<void> {
  await mkdir(dirname(pointerPath), { recursive: true });
  const temporaryPath = `${pointerPath}.${randomUUID()}.tmp`;
  try {
    try {
      await symlink(relative(dirname(pointerPath), blobPath), temporaryPath, 'file');
    } catch {
      await copyFile(blobPath, temporaryPath);
    }
    await rename(temporaryPath, pointerPath);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
}
