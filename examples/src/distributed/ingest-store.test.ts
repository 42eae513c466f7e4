import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailedItem, StoredRow } from './ingest-jobs.js';
import { IngestStore, StoreMismatchError } from './ingest-store.js';
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
  model: 'm',
  vector: encodeVector(vector),
});
const failure = (id: string): FailedItem => ({
  id,
  kind: 'image',
  source: `/data/${id}.jpg`,
  model: 'm',
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

  it('refuses a vector of another width or another model, never cutting it to the column', async () => {
    const store = await IngestStore.open(join(scratch, 'widths'), 'rows');
    await store.upsertRows([row('a', [1, 2])]);
    const wide = store.upsertRows([row('b', [1, 2, 3, 4])]);
    await expect(wide).rejects.toThrow(StoreMismatchError);
    await expect(wide).rejects.toThrow(
      'table "rows" holds m, 2 wide, these rows are m, 4 wide: use another INGEST_TABLE',
    );
    await expect(store.upsertRows([{ ...row('c', [1, 2]), model: 'other' }])).rejects.toMatchObject(
      { name: 'StoreMismatchError', expected: 'm, 2 wide', actual: 'other, 2 wide' },
    );
    // Two widths in one call: refused before anything is written.
    await expect(store.upsertRows([row('d', [1, 2]), row('e', [1])])).rejects.toThrow(
      StoreMismatchError,
    );
    expect((await store.readRows()).map((each) => each.id)).toEqual(['a']);
    store.close();
  });

  it('indexes id with a BTREE index, and keeps it through optimize', async () => {
    const store = await IngestStore.open(join(scratch, 'index'), 'rows');
    await store.upsertRows([row('a', [1, 2])]);
    await store.upsertRows([row('b', [1, 2])]);
    await store.optimize();
    const { connect } = await import('@lancedb/lancedb');
    const database = await connect(join(scratch, 'index'));
    const indices = await (await database.openTable('rows')).listIndices();
    expect(indices.map((index) => [index.columns, index.indexType])).toEqual([[['id'], 'BTree']]);
    database.close();
    expect(await store.countRows()).toBe(2);
    store.close();
  });

  it('deletes stale rows and failures: incremental only of the given sources, full of every other id', async () => {
    const store = await IngestStore.open(join(scratch, 'cleanup'), 'rows');
    await store.upsertRows([row('a', [1, 2]), row('b', [1, 2]), row('c', [1, 2])]);
    await store.recordFailures([failure('x'), failure('y')]);
    // 'b' rewritten (its source /data/b.txt now has another id), 'c' deleted, 'x' fixed.
    const incremental = await store.deleteStale(
      new Set(['a', 'b2', 'y']),
      new Set(['/data/a.txt', '/data/b.txt', '/data/x.jpg', '/data/y.jpg']),
    );
    expect(incremental).toEqual({ rows: 1, failures: 1 });
    expect((await store.readRowKeys()).map((key) => key.id).sort()).toEqual(['a', 'c']);
    expect((await store.readFailureKeys()).map((key) => key.id)).toEqual(['y']);
    expect(await store.deleteStale(new Set(['a']))).toEqual({ rows: 1, failures: 1 });
    expect((await store.readRowKeys()).map((key) => key.id)).toEqual(['a']);
    expect(await store.readFailures()).toEqual([]);
    store.close();
  });

  it('records each source with its id, model, dimensions and last run; cleanup uses them', async () => {
    const store = await IngestStore.open(join(scratch, 'records'), 'rows');
    const record = (source: string, id: string, run: string) => ({
      source,
      id,
      model: 'm',
      dimensions: 2,
      run,
    });
    // One content 'a' at two paths (its row names the first), and 'd'.
    await store.upsertRows([row('a', [1, 2]), row('d', [1, 2])]);
    await store.recordSources([
      record('/data/a.txt', 'a', 'run-1'),
      record('/data/copy.txt', 'a', 'run-1'),
      record('/data/d.txt', 'd', 'run-1'),
    ]);
    // Run 2: /data/a.txt deleted, /data/copy.txt rewritten (now 'e'), /data/d.txt unchanged.
    await store.upsertRows([row('e', [1, 2])]);
    // Without the records, 'a' would stay: its row names /data/a.txt, no longer a current source.
    expect(
      await store.deleteStale(new Set(['e', 'd']), new Set(['/data/copy.txt', '/data/d.txt'])),
    ).toEqual({ rows: 1, failures: 0 });
    expect((await store.readRowKeys()).map((key) => key.id).sort()).toEqual(['d', 'e']);
    await store.recordSources([
      record('/data/copy.txt', 'e', 'run-2'),
      record('/data/d.txt', 'd', 'run-2'),
    ]);
    const sorted = async () =>
      (await store.readRecords()).sort((left, right) => left.source.localeCompare(right.source));
    expect(await sorted()).toEqual([
      record('/data/a.txt', 'a', 'run-1'),
      record('/data/copy.txt', 'e', 'run-2'),
      record('/data/d.txt', 'd', 'run-2'),
    ]);
    expect(await store.forgetSourcesNotSeenBy('run-2')).toBe(1);
    expect((await sorted()).map((each) => each.source)).toEqual(['/data/copy.txt', '/data/d.txt']);
    store.close();
  });
});
