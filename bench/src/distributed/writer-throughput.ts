/**
 * The store writer's speed as the table grows: rows/s of the distributed example's writer path
 * (`WriteBatcher` over `IngestStore`: write jobs of 32 rows coalesced into large merge-inserts on a
 * BTREE-indexed `id`, compacted every 50 writes) into a table already holding 0, 100k or 300k
 * rows 768 wide, beside the path it replaced (one merge-insert per 32-row job). The starting rows
 * are synthetic, added in bulk; only the timed writes go through the writer's code. Redis is left
 * out: its trip is the same for both and small beside the write.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from '@lancedb/lancedb';
import type { StoredRow } from '../../../examples/src/distributed/ingest-jobs.js';
import { IngestStore } from '../../../examples/src/distributed/ingest-store.js';
import { encodeVector } from '../../../examples/src/distributed/vector-codec.js';
import { WriteBatcher } from '../../../examples/src/distributed/write-batcher.js';

/** One measurement of {@link measureWriterThroughput}. */
export interface WriterThroughputRow {
  /** Rows in the table before the timed writes. */
  startRows: number;
  writer: 'coalesced' | 'one merge-insert per job';
  /** Rows written in the timed part. */
  rows: number;
  milliseconds: number;
  rowsPerSecond: number;
}

const WIDTH = 768;
const JOB_ROWS = 32;

function syntheticRows(prefix: string, count: number): StoredRow[] {
  const vector = new Float32Array(WIDTH);
  return Array.from({ length: count }, (_, index) => {
    for (let each = 0; each < WIDTH; each += 1) vector[each] = Math.random() - 0.5;
    return {
      id: `${prefix}-${index}`,
      kind: 'text' as const,
      source: `/synthetic/${prefix}/${index}.txt`,
      text: `synthetic row ${index}`,
      model: 'jina-clip-v1',
      vector: encodeVector(vector),
    };
  });
}

/** Adds `count` synthetic rows in bulk (plain appends of 20k rows, then one compaction). */
async function fill(directory: string, count: number): Promise<void> {
  const store = await IngestStore.open(directory, 'rows');
  await store.upsertRows(syntheticRows('seed', 1000)); // creates the table and its id index
  store.close();
  const database = await connect(directory);
  const table = await database.openTable('rows');
  for (let added = 1000; added < count; added += 20_000) {
    const rows = syntheticRows(`fill-${added}`, Math.min(20_000, count - added)).map((row) => ({
      ...row,
      vector: Array.from(new Float32Array(Buffer.from(row.vector, 'base64').buffer)),
    }));
    await table.add(rows);
  }
  await table.optimize({ cleanupOlderThan: new Date() });
  database.close();
}

/**
 * Fills a table to `startRows` rows, then writes `coalescedJobs` jobs of 32 new rows through the
 * coalescing writer (64 jobs in hand at once, as the writer's BullMQ concurrency), then
 * `perJobJobs` jobs with one merge-insert each (the path it replaced, on the same indexed table).
 */
export async function measureWriterThroughput(
  scratch: string,
  startRows: number,
  coalescedJobs: number,
  perJobJobs: number,
): Promise<WriterThroughputRow[]> {
  const directory = join(scratch, `writer-${startRows}`);
  await mkdir(directory, { recursive: true });
  await fill(directory, Math.max(startRows, 1000));
  const store = await IngestStore.open(directory, 'rows');
  const results: WriterThroughputRow[] = [];
  let expected = Math.max(startRows, 1000);
  for (const [writer, jobs] of [
    ['coalesced', coalescedJobs],
    ['one merge-insert per job', perJobJobs],
  ] as const) {
    const batches = Array.from({ length: jobs }, (_, job) =>
      syntheticRows(`${writer[0]}-job-${job}`, JOB_ROWS),
    );
    const started = performance.now();
    if (writer === 'coalesced') {
      const batcher = new WriteBatcher(store);
      for (let start = 0; start < jobs; start += 64) {
        await Promise.all(
          batches.slice(start, start + 64).map((rows) => batcher.write({ rows, failures: [] })),
        );
      }
      await batcher.drain();
    } else {
      for (const rows of batches) await store.upsertRows(rows);
    }
    const milliseconds = performance.now() - started;
    const rows = jobs * JOB_ROWS;
    expected += rows;
    if ((await store.countRows()) !== expected) throw new Error(`writer lost rows at ${startRows}`);
    results.push({
      startRows,
      writer,
      rows,
      milliseconds: Math.round(milliseconds),
      rowsPerSecond: rows / (milliseconds / 1000),
    });
  }
  store.close();
  await rm(directory, { recursive: true, force: true });
  return results;
}
