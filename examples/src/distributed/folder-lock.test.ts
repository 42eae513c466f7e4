import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockFolder } from './folder-lock.js';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'jina-clip-folder-lock-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('lockFolder', () => {
  it('refuses a second launcher while the first lives, and frees the folder on release', async () => {
    const lock = await lockFolder(folder);
    expect(await readFile(join(folder, 'launcher.pid'), 'utf8')).toBe(String(process.pid));
    await expect(lockFolder(folder)).rejects.toMatchObject({
      name: 'IngestSetupError',
      message: `the Redis folder ${folder} is in use by another launcher (pid ${process.pid}): wait for it, or set INGEST_REDIS_DIRECTORY to another folder.`,
    });
    await lock.release();
    await (await lockFolder(folder)).release();
  });

  it("takes over a dead launcher's lock", async () => {
    await writeFile(join(folder, 'launcher.pid'), '2147483646'); // no such process
    const lock = await lockFolder(folder);
    expect(await readFile(join(folder, 'launcher.pid'), 'utf8')).toBe(String(process.pid));
    await lock.release();
  });
});
