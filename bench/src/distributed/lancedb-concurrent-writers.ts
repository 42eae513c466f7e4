/**
 * Why the distributed example has one store writer: `writers` processes upsert (LanceDB
 * merge-insert on `id`) `batches` batches of 32 rows into one table at once, half of each batch's
 * ids shared with the other writers (the same item written by two workers, as when a job runs
 * twice). Reports the time, the rows and the distinct ids: more rows than ids is a duplicate that
 * no conflict retry would catch, since merge-insert raised no error.
 *
 * Run as a child (`--child <dir> <writer> <batches>`) it is one writer.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect } from '@lancedb/lancedb';

/** One measurement of concurrent merge-insert writers. */
export interface ConcurrentWritersResult {
  writers: number;
  batches: number;
  milliseconds: number;
  rows: number;
  distinctIds: number;
  /** Writes that threw (and were retried). */
  errors: number;
}

const ROWS_PER_BATCH = 32;

async function writeBatches(directory: string, writer: string, batches: number): Promise<number> {
  const table = await (await connect(directory)).openTable('rows');
  let errors = 0;
  for (let batch = 0; batch < batches; batch += 1) {
    const rows = Array.from({ length: ROWS_PER_BATCH }, (_, index) => ({
      id: index % 2 === 0 ? `${batch}-shared-${index}` : `${batch}-${writer}-${index}`,
      vector: Array.from({ length: 16 }, () => Math.random()),
    }));
    for (;;) {
      try {
        await table
          .mergeInsert('id')
          .whenMatchedUpdateAll()
          .whenNotMatchedInsertAll()
          .execute(rows);
        break;
      } catch (error) {
        errors += 1;
        if (errors > 1000) throw error;
      }
    }
  }
  return errors;
}

/** Measures `writers` processes writing `totalBatches` batches between them into `directory`. */
export async function measureConcurrentWriters(
  directory: string,
  writers: number,
  totalBatches: number,
): Promise<ConcurrentWritersResult> {
  const database = await connect(directory);
  await database.createTable('rows', [{ id: 'seed', vector: Array(16).fill(0) }], {
    mode: 'overwrite',
  });
  const started = performance.now();
  const outputs = await Promise.all(
    Array.from({ length: writers }, (_, writer) =>
      promisify(execFile)(process.execPath, [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--child',
        directory,
        `w${writer}`,
        String(totalBatches / writers),
      ]),
    ),
  );
  const milliseconds = performance.now() - started;
  const ids = (await (await database.openTable('rows')).query().select(['id']).toArray()).map(
    (row: { id: string }) => row.id,
  );
  return {
    writers,
    batches: totalBatches,
    milliseconds: Math.round(milliseconds),
    rows: ids.length - 1,
    distinctIds: new Set(ids).size - 1,
    errors: outputs.reduce((sum, output) => sum + Number(output.stdout.trim()), 0),
  };
}

if (process.argv[2] === '--child') {
  const [directory, writer, batches] = process.argv.slice(3);
  console.log(await writeBatches(directory!, writer!, Number(batches)));
}
