/**
 * `npm run bench:distributed` (bench workspace): the distributed example's scaling on the api
 * backend (1, 2, 4 workers; the same work in one process), the LanceDB concurrent-writers check
 * behind its one store writer, that writer's rows/s into a table of 0, 100k and 300k rows, and the
 * producer's peak memory on a rerun of 20k, 100k and 300k stored items.
 * Prints the tables and writes `distributed.json` to `--out`.
 *
 *   npm run bench:distributed --workspace bench [-- --items 2000 --out results --writer-sizes 0,100000,300000 --producer-items 20000,100000,300000]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startJinaApiServer } from 'jina-clip-runtime/testing';
import {
  ensureRedisServerInstalled,
  startRedisServer,
} from '../../../examples/src/distributed/redis-server.js';
import { machineInfo } from '../report/machine-info.js';
import {
  measureInProcess,
  measureQueueRun,
  type ScalingRow,
  writeTextItems,
} from './distributed-scaling.js';
import {
  type ConcurrentWritersResult,
  measureConcurrentWriters,
} from './lancedb-concurrent-writers.js';
import { measureProducerMemory, type ProducerMemoryRow } from './producer-memory.js';
import { measureWriterThroughput, type WriterThroughputRow } from './writer-throughput.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '2000' },
    out: { type: 'string', default: 'results' },
    'latency-ms': { type: 'string', default: '50' },
    // Rows already in the table for the writer's rows/s (synthetic, 768 wide).
    'writer-sizes': { type: 'string', default: '0,100000,300000' },
    // Items of the producer's rerun whose peak memory is measured.
    'producer-items': { type: 'string', default: '20000,100000,300000' },
  },
});
const count = Number(values.items);
const latencyMs = Number(values['latency-ms']);
await ensureRedisServerInstalled();
const scratch = await mkdtemp(join(tmpdir(), 'jina-clip-bench-distributed-'));
const redis = await startRedisServer({ directory: join(scratch, 'redis') });
const server = await startJinaApiServer({ latencyMs });
try {
  const items = await writeTextItems(join(scratch, 'texts'), count);
  const rows: ScalingRow[] = [
    await measureInProcess({ items, server, storeDirectory: join(scratch, 'store-in-process') }),
  ];
  for (const workers of [1, 2, 4]) {
    rows.push(
      await measureQueueRun({
        items,
        workers,
        redisUrl: redis.url,
        server,
        storeDirectory: join(scratch, `store-${workers}`),
      }),
    );
  }
  const oneWorker = rows.find((row) => row.setup === 1)!;
  const inProcess = rows.find((row) => row.setup === 'in-process')!;
  console.log(
    `\n${count} texts, api backend, loopback server with ${latencyMs} ms latency, jobs of 32, 2 requests in flight per worker\n`,
  );
  console.log('| setup | items/s | ratio to 1 worker |');
  console.log('| --- | ---: | ---: |');
  for (const row of rows) {
    const label =
      row.setup === 'in-process'
        ? 'one process, no queue'
        : `${row.setup} worker${row.setup === 1 ? '' : 's'}`;
    console.log(
      `| ${label} | ${row.itemsPerSecond.toFixed(0)} | ${(row.itemsPerSecond / oneWorker.itemsPerSecond).toFixed(2)} |`,
    );
  }
  const overhead = 1 - oneWorker.itemsPerSecond / inProcess.itemsPerSecond;
  console.log(
    `\nQueue overhead (1 worker vs one process): ${(overhead * 100).toFixed(0)}% of throughput`,
  );
  const writers: ConcurrentWritersResult[] = [];
  for (const each of [1, 3]) {
    writers.push(await measureConcurrentWriters(join(scratch, `writers-${each}`), each, 300));
  }
  console.log(
    '\n| LanceDB merge-insert writers | batches of 32 | ms | rows | distinct ids | errors |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const result of writers) {
    console.log(
      `| ${result.writers} | ${result.batches} | ${result.milliseconds} | ${result.rows} | ${result.distinctIds} | ${result.errors} |`,
    );
  }
  const writer: WriterThroughputRow[] = [];
  for (const size of values['writer-sizes'].split(',').map(Number)) {
    writer.push(...(await measureWriterThroughput(scratch, size, 256, 20)));
  }
  console.log('\n| store writer, table already holding | writes | rows | rows/s |');
  console.log('| ---: | --- | ---: | ---: |');
  for (const row of writer) {
    console.log(
      `| ${row.startRows.toLocaleString('en-US')} rows | ${row.writer === 'coalesced' ? 'coalesced (jobs of 32 joined, up to 4,096 rows per merge-insert)' : 'one merge-insert per 32-row job'} | ${row.rows} | ${row.rowsPerSecond.toFixed(0)} |`,
    );
  }
  const producer: ProducerMemoryRow[] = [];
  for (const each of values['producer-items'].split(',').map(Number)) {
    producer.push(await measureProducerMemory({ count: each, redisUrl: redis.url, scratch }));
  }
  console.log('\n| producer rerun, items all stored | peak RSS MiB | seconds |');
  console.log('| ---: | ---: | ---: |');
  for (const row of producer) {
    console.log(
      `| ${row.items.toLocaleString('en-US')} | ${row.peakRssMiB.toFixed(0)} | ${row.seconds.toFixed(1)} |`,
    );
  }
  const [fewest, most] = [producer[0]!, producer.at(-1)!];
  const perItem = ((most.peakRssMiB - fewest.peakRssMiB) * 1024) / (most.items - fewest.items);
  console.log(
    `\nProducer: ${perItem.toFixed(2)} KiB more at peak per item (10M items: about ${((perItem * 10_000_000) / 2 ** 20).toFixed(1)} GiB)`,
  );
  const out = resolve(values.out);
  await writeFile(
    join(out, 'distributed.json'),
    `${JSON.stringify({ machine: machineInfo(), latencyMs, scaling: rows, overhead, writers, writer, producer }, null, 2)}\n`,
  );
  console.log(`\nWrote ${join(out, 'distributed.json')}`);
} finally {
  await server.close();
  await redis.stop('SIGTERM');
  await rm(scratch, { recursive: true, force: true });
}
