import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { listMediaFiles } from './list-media-files.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'list-media-files-'));
  await mkdir(join(root, 'photos', 'deeper'), { recursive: true });
  await mkdir(join(root, '.hidden'));
  for (const name of [
    'b.JPG',
    'a.png',
    'notes.md',
    'caption.txt',
    'data.csv',
    '.secret.png',
    'photos/c.webp',
    'photos/deeper/d.txt',
    '.hidden/e.png',
  ]) {
    await writeFile(join(root, name), 'x');
  }
  await symlink(join(root, 'a.png'), join(root, 'link.png'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('listMediaFiles', () => {
  it('lists images and text files, sorted by path, recursively, without hidden files, links or other kinds', async () => {
    expect(await listMediaFiles(root)).toEqual([
      { path: join(root, 'a.png'), modality: 'image' },
      { path: join(root, 'b.JPG'), modality: 'image' },
      { path: join(root, 'caption.txt'), modality: 'text' },
      { path: join(root, 'notes.md'), modality: 'text' },
      { path: join(root, 'photos', 'c.webp'), modality: 'image' },
      { path: join(root, 'photos', 'deeper', 'd.txt'), modality: 'text' },
    ]);
  });

  it('stays in the folder itself without recursion, and takes its own extensions', async () => {
    expect(
      await listMediaFiles(root, {
        recursive: false,
        imageExtensions: ['.PNG'],
        textExtensions: ['.csv'],
      }),
    ).toEqual([
      { path: join(root, 'a.png'), modality: 'image' },
      { path: join(root, 'data.csv'), modality: 'text' },
    ]);
  });

  it('names the folder it cannot read, and bad options', async () => {
    const error = await listMediaFiles(join(root, 'missing')).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'folder' });
    expect((error as Error).message).toContain(join(root, 'missing'));
    await expect(listMediaFiles(root, { imageExtensions: ['jpg'] })).rejects.toMatchObject({
      field: 'imageExtensions',
    });
  });
});
