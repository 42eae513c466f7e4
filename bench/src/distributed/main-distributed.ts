/**
 * `npm run bench:distributed` (bench workspace): the distributed example's scaling on the api
 * backend (1, 2, 4 workers; the same work in one process) and the LanceDB concurrent-writers check
 * behind its one store writer. Prints a table and writes `distributed.json` to `--out`.
 *
 *   npm run bench:distributed --workspace bench [-- --items 2000 --out results]
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

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '2000' },
    out: { type: 'string', default: 'results' },
    'latency-ms': { type: 'string', default: '50' },
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
  const out = resolve(values.out);
  await writeFile(
    join(out, 'distributed.json'),
    `${JSON.stringify({ machine: machineInfo(), latencyMs, scaling: rows, overhead, writers }, null, 2)}\n`,
  );
  console.log(`\nWrote ${join(out, 'distributed.json')}`);
} finally {
  await server.close();
  await redis.stop('SIGTERM');
  await rm(scratch, { recursive: true, force: true });
}
