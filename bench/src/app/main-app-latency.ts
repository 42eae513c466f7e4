/**
 * `npm run bench:app` (the root, or the bench workspace): the search app's query latency over
 * 10,000 generated images on the tiny model, alone. Prints a table and writes `app-latency.json`
 * to `--out`. `npm run bench` runs it too (`--only app` runs only it).
 *
 *   npm run bench:app [-- --images 10000 --out results]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchCacheDir } from '../workloads/bench-cache-dir.js';
import { runAppLatency } from './run-app-latency.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '10000' },
    out: { type: 'string', default: 'results' },
  },
});
await runAppLatency({
  cacheDir: benchCacheDir(),
  out: resolve(values.out),
  images: Number(values.images),
  log: (line) => console.log(line),
});
