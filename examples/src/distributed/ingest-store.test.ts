import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailedItem, StoredRow } from './ingest-jobs.js';
import { IngestStore } from './ingest-store.js';
import { encodeVector } from './vector-codec.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'jina-clip-ingest-store-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const row = (id: string, vector: number[]): StoredRow => ({
  id,
  kind: 'text',
  source: `/data/${id}.txt`,
  text: `text ${id}`,
  vector: encodeVector(vector),
});
const failure = (id: string): FailedItem => ({
  id,
  kind: 'image',
  source: `/data/${id}.jpg`,
  error: 'ImageLoadError',
  message: 'the image could not be decoded',
});

describe('IngestStore', () => {
  it('upserts by id: the same rows written twice are one row each, with the last vector', async () => {
    const store = await IngestStore.open(join(scratch, 'twice'), 'rows');
    await store.upsertRows([row('a', [0.5, 0.25]), row('b', [1, 0])]);
    await store.upsertRows([row('b', [0, 1]), row('a', [0.5, 0.25]), row('c', [0.125, 2])]);
    const rows = (await store.readRows()).sort((left, right) => left.id.localeCompare(right.id));
    expect(rows.map(({ id, vector }) => [id, Array.from(vector)])).toEqual([
      ['a', [0.5, 0.25]],
      ['b', [0, 1]],
      ['c', [0.125, 2]],
    ]);
    expect(rows[0]).toMatchObject({ kind: 'text', source: '/data/a.txt', text: 'text a' });
    expect(await store.countRows()).toBe(3);
    store.close();
  });

  it('records a failure once, and forgets it when the item is written after all', async () => {
    const store = await IngestStore.open(join(scratch, 'failures'), 'rows');
    await store.recordFailures([failure('x'), failure('y')]);
    await store.recordFailures([failure('x')]);
    expect((await store.readFailures()).map((each) => each.id).sort()).toEqual(['x', 'y']);
    await store.upsertRows([row('x', [1, 1])]);
    expect(await store.readFailures()).toEqual([failure('y')]);
    store.close();
  });

  it('reads an empty store as empty', async () => {
    const store = await IngestStore.open(join(scratch, 'empty'), 'rows');
    expect(await store.readRows()).toEqual([]);
    expect(await store.readFailures()).toEqual([]);
    expect(await store.countRows()).toBe(0);
    store.close();
  });
});
