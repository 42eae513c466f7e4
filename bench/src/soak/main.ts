/**
 * `npm run soak` (full: bench/results/reliability.{json,md}) and `npm run soak:smoke` (smaller
 * payloads and runs, results in a temp folder; CI runs it). Exits non-zero when any hostile case
 * was killed by its caps or ended untyped, any bad input was accepted or ended untyped, any input
 * was lost or misordered, or the rate-limit run did not complete.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createApiBackend } from 'jina-clip-runtime';
import { createLocalBackend } from 'jina-clip-runtime/local';
import {
  loopbackApiOptions,
  startJinaApiServer,
  writeTinyModelRepo,
} from 'jina-clip-runtime/testing';
import sharp from 'sharp';
import { machineInfo } from '../report/machine-info.js';
import { benchCacheDir } from '../workloads/bench-cache-dir.js';
import { apiFactory, type BadInputOutcome, runBadInputCatalog } from './bad-input-catalog.js';
import { runFaultSoak } from './fault-soak.js';
import { HOSTILE_CASES, type HostileContext } from './hostile-cases.js';
import { startHostileServers } from './hostile-servers.js';
import { runRateLimitRun } from './rate-limit-run.js';
import { type ReliabilityReport, renderReliabilityReport } from './render-reliability-report.js';
import { runHostileCase } from './run-hostile-case.js';

const RESULTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../results');

const { values } = parseArgs({
  options: { smoke: { type: 'boolean', default: false }, out: { type: 'string' } },
});
const smoke = values.smoke === true;
const scratch = await mkdtemp(join(tmpdir(), 'jina-clip-soak-'));
const outDir = values.out ?? (smoke ? scratch : RESULTS);

/** A 16000x16000 black PNG (about 775 KB): cached, since it takes seconds to encode. */
async function pngBomb(): Promise<string> {
  const file = join(benchCacheDir(), 'soak', 'bomb-16000.png');
  await mkdir(dirname(file), { recursive: true });
  try {
    await import('node:fs/promises').then(({ access }) => access(file));
  } catch {
    const partial = `${file}.${process.pid}.partial`;
    await sharp({ create: { width: 16000, height: 16000, channels: 3, background: '#000' } })
      .png({ compressionLevel: 9 })
      .toFile(partial);
    await import('node:fs/promises').then(({ rename }) => rename(partial, file));
  }
  return file;
}

const server = await startJinaApiServer();
const hostile = await startHostileServers();
try {
  const [tinyV1, tinyV2, bomb] = await Promise.all([
    writeTinyModelRepo(join(scratch, 'tiny-v1'), { model: 'jina-clip-v1' }),
    writeTinyModelRepo(join(scratch, 'tiny-v2'), { model: 'jina-clip-v2' }),
    pngBomb(),
  ]);
  const svgBomb = join(scratch, 'bomb.svg');
  await writeFile(
    svgBomb,
    '<svg xmlns="http://www.w3.org/2000/svg" width="16000" height="16000"><rect width="100%" height="100%"/></svg>',
  );

  console.log('Bad inputs, both backends…');
  const apiBase = { ...loopbackApiOptions(server), model: 'jina-clip-v1' };
  const apiBackend = createApiBackend(apiBase);
  const localBackend = createLocalBackend({ modelPath: tinyV1.directory });
  const badInputs: BadInputOutcome[] = [
    ...(await runBadInputCatalog(
      'api',
      apiBackend,
      apiFactory(apiBase),
      () => server.requests.length,
    )),
    ...(await runBadInputCatalog('local', localBackend, (options) =>
      createLocalBackend({ modelPath: tinyV1.directory, ...options } as never),
    )),
  ];
  await Promise.all([apiBackend.close(), localBackend.close()]);

  const context: HostileContext = {
    scale: smoke ? 0.1 : 1,
    tinyV1: tinyV1.directory,
    tinyV2: tinyV2.directory,
    pngBomb: bomb,
    svgBomb,
    apiUrl: server.url,
    apiKey: server.apiKey,
    endlessImageUrl: hostile.endlessImageUrl,
    slowLorisImageUrl: hostile.slowLorisImageUrl,
    silentImageUrl: hostile.silentImageUrl,
    endlessAnswerBaseUrl: hostile.endlessAnswerBaseUrl,
    keyEchoBaseUrl: hostile.keyEchoBaseUrl,
  };
  const caps = smoke
    ? { timeMs: 30_000, rssMb: 2048, heapMb: 1024 }
    : { timeMs: 60_000, rssMb: 3072, heapMb: 2048 };
  const hostileOutcomes = [];
  for (const hostileCase of HOSTILE_CASES) {
    process.stdout.write(`Hostile: ${hostileCase.name}… `);
    const outcome = await runHostileCase(hostileCase.name, context, caps);
    console.log(
      outcome.killed ? `KILLED (${outcome.reason})` : `${outcome.errorName ?? outcome.outcome}`,
    );
    hostileOutcomes.push({
      name: hostileCase.name,
      category: hostileCase.category,
      expected: hostileCase.expected,
      resolvedAs: hostileCase.resolvedAs,
      ...outcome,
    });
  }

  console.log('Fault soak…');
  const faultSoak = await runFaultSoak(server, smoke ? 1_000 : 10_000);
  console.log('Rate-limit run…');
  const rateLimit = await runRateLimitRun(server, smoke ? 200 : 1_000);

  const report: ReliabilityReport = {
    date: new Date().toISOString(),
    smoke,
    machine: await machineInfo(),
    caps,
    badInputs,
    hostile: hostileOutcomes,
    faultSoak,
    rateLimit,
  };
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'reliability.json'), `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderReliabilityReport(report);
  await writeFile(join(outDir, 'reliability.md'), markdown);
  console.log(markdown);
  const failures = [
    ...badInputs
      .filter((row) => !row.typed)
      .map((row) => `bad input untyped: ${row.backend} ${row.name} (${row.thrown})`),
    ...hostileOutcomes
      .filter((row) =>
        row.killed
          ? true
          : row.outcome !== row.expected || (row.outcome === 'rejected' && row.typed !== true),
      )
      .map((row) => `hostile case failed: ${row.name}`),
    ...(faultSoak.lost + faultSoak.misordered > 0 ? ['fault soak lost or misordered inputs'] : []),
    ...(rateLimit.outcome === 'completed' ? [] : [`rate-limit run: ${rateLimit.outcome}`]),
  ];
  for (const failure of failures) console.error(`FAIL ${failure}`);
  console.log(`soak: ${failures.length === 0 ? 'all checks passed' : `${failures.length} failed`}`);
  process.exitCode = failures.length === 0 ? 0 : 1;
} finally {
  await hostile.close();
  await server.close();
  if (smoke) await rm(scratch, { recursive: true, force: true });
}
