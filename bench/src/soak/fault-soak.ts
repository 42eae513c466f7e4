import { createApiBackend } from 'jina-clip-runtime';
import {
  expectedServerEmbedding,
  type JinaApiFault,
  type JinaApiServer,
  loopbackApiOptions,
} from 'jina-clip-runtime/testing';

/** The fault kinds the soak injects, each with the fault the server is told to play. */
const FAULT_KINDS = {
  '429 + retry-after-ms': { status: 429, retryAfterMs: '5' },
  '500': { status: 500 },
  '503': { status: 503 },
  'connection reset': { reset: true },
  'body cut halfway': { truncate: true },
} as const satisfies Record<string, JinaApiFault>;

/** What the fault soak measured. */
export interface FaultSoakResult {
  readonly inputs: number;
  readonly requests: number;
  /** The share of requests answered with a fault. */
  readonly faultRate: number;
  readonly faultsByKind: Record<keyof typeof FAULT_KINDS, number>;
  /** Inputs with no vector, or not the server's vector for that input. */
  readonly lost: number;
  /** Inputs whose vector belongs to another input. */
  readonly misordered: number;
  readonly wallMs: number;
}

/** A seeded 0..1 generator (mulberry32), so every run plays the same faults. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Embeds `count` distinct texts through the api backend while about `faultRate` of the server's
 * answers are faults, and checks every vector against the server's vector for its own input.
 */
export async function runFaultSoak(
  server: JinaApiServer,
  count: number,
  faultRate = 0.2,
): Promise<FaultSoakResult> {
  server.reset();
  const random = seeded(11);
  const kinds = Object.keys(FAULT_KINDS) as (keyof typeof FAULT_KINDS)[];
  const played: (keyof typeof FAULT_KINDS | undefined)[] = [];
  const faults: JinaApiFault[] = [];
  for (let index = 0; index < Math.ceil(count / 4); index++) {
    const kind = random() < faultRate ? kinds[Math.floor(random() * kinds.length)]! : undefined;
    played.push(kind);
    faults.push(kind === undefined ? { delayMs: 0 } : FAULT_KINDS[kind]);
  }
  server.fail(...faults);
  const texts = Array.from({ length: count }, (_, index) => `soak text number ${index}`);
  const backend = createApiBackend({
    ...loopbackApiOptions(server),
    model: 'jina-clip-v1',
    maxRetries: 8,
    maxConcurrency: 4,
  });
  const started = performance.now();
  const { embeddings } = await backend.embed(texts);
  const wallMs = performance.now() - started;
  await backend.close();
  const requests = server.requests.length;
  const faultsByKind = Object.fromEntries(kinds.map((kind) => [kind, 0])) as Record<
    keyof typeof FAULT_KINDS,
    number
  >;
  for (const kind of played.slice(0, requests)) if (kind !== undefined) faultsByKind[kind]++;
  let lost = 0;
  let misordered = 0;
  for (const [index, text] of texts.entries()) {
    const vector = embeddings[index];
    const expected = expectedServerEmbedding(text, 'jina-clip-v1');
    if (vector === undefined || vector.length !== expected.length) {
      lost++;
      continue;
    }
    if (vector.some((value, at) => Math.abs(value - expected[at]!) > 1e-6)) misordered++;
  }
  server.reset();
  const faulted = Object.values(faultsByKind).reduce((sum, value) => sum + value, 0);
  return {
    inputs: count,
    requests,
    faultRate: faulted / requests,
    faultsByKind,
    lost,
    misordered,
    wallMs,
  };
}
