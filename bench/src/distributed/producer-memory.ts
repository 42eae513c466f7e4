/**
 * The distributed producer's peak memory on a rerun where every item is already in the store (its
 * steady state at scale): a manifest of N inline texts, the store holding their N rows, the store
 * writer running for the run's source records. The rows are synthetic and 16 wide (the producer
 * reads ids and sources, never vectors). Peak RSS is the producer's own (`report-peak-rss.ts`).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@lancedb/lancedb';
import { IngestStore } from '../../../examples/src/distributed/ingest-store.js';
import { itemId } from '../../../examples/src/distributed/item-id.js';
import { encodeVector } from '../../../examples/src/distributed/vector-codec.js';
import { startRole } from './distributed-scaling.js';

/** One measurement of {@link measureProducerMemory}. */
export interface ProducerMemoryRow {
  items: number;
  /** The producer's peak resident set, in MiB. */
  peakRssMiB: number;
  /** The producer's wall time, start to exit. */
  seconds: number;
}

const DISTRIBUTED = fileURLToPath(new URL('../../../examples/src/distributed/', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./report-peak-rss.ts', import.meta.url));
const MODEL = 'jina-clip-v1';

const textOf = (index: number) => `Item ${index}: a caption of a photo, about fifty characters.`;

/** The manifest and a store that already holds every one of its items. */
async function prepare(directory: string, count: number): Promise<string> {
  await mkdir(directory, { recursive: true });
  const manifest = join(directory, 'items.jsonl');
  const lines: string[] = [];
  for (let index = 0; index < count; index += 1)
    lines.push(JSON.stringify({ text: textOf(index) }));
  await writeFile(manifest, `${lines.join('\n')}\n`);
  const vector = encodeVector(new Float32Array(16).fill(0.25));
  const row = (index: number) => ({
    id: itemId('text', textOf(index), MODEL),
    kind: 'text' as const,
    source: `${manifest}:${index + 1}`,
    text: textOf(index),
    model: MODEL,
    vector,
  });
  const store = await IngestStore.open(join(directory, 'store'), 'distributed');
  // The first rows through the store's own path (the table and its id index), the rest in bulk.
  await store.upsertRows(Array.from({ length: Math.min(1000, count) }, (_, index) => row(index)));
  store.close();
  const database = await connect(join(directory, 'store'));
  const table = await database.openTable('distributed');
  const plain = new Array(16).fill(0.25);
  for (let start = 1000; start < count; start += 50_000) {
    const end = Math.min(start + 50_000, count);
    await table.add(
      Array.from({ length: end - start }, (_, offset) => ({
        ...row(start + offset),
        vector: plain,
      })),
    );
  }
  await table.optimize({ cleanupOlderThan: new Date() });
  database.close();
  return manifest;
}

/** Runs the producer once over `count` items already stored and reads its peak memory. */
export async function measureProducerMemory(options: {
  count: number;
  redisUrl: string;
  scratch: string;
}): Promise<ProducerMemoryRow> {
  const { count, redisUrl, scratch } = options;
  const directory = join(scratch, `producer-${count}`);
  const manifest = await prepare(directory, count);
  const environment = {
    ...process.env,
    REDIS_URL: redisUrl,
    INGEST_QUEUE: `producer-memory-${count}`,
    JINA_CLIP_LANCEDB: join(directory, 'store'),
    JINA_CLIP_MODEL: MODEL,
  };
  const writer = startRole('store-writer.ts', environment);
  await writer.ready;
  const started = performance.now();
  const producer = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      PRELOAD,
      join(DISTRIBUTED, 'producer.ts'),
      '--manifest',
      manifest,
    ],
    { env: environment, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  producer.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  producer.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code] = await once(producer, 'exit');
  const seconds = (performance.now() - started) / 1000;
  const exited = once(writer.child, 'exit');
  writer.child.kill('SIGTERM');
  await exited;
  const peak = /^peak-rss (\d+)$/m.exec(output)?.[1];
  if (
    code !== 0 ||
    peak === undefined ||
    !output.includes(`${count} embedded, 0 failed, of ${count} items`)
  ) {
    throw new Error(
      `the producer over ${count} stored items failed (exit ${code}):\n${output.slice(-2000)}`,
    );
  }
  return { items: count, peakRssMiB: Number(peak) / 2 ** 20, seconds };
}
