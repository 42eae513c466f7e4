import { type RecordedRequest, startJinaApiServer } from 'jina-clip-runtime/testing';
import { startByteCountingProxy } from '../measurement/byte-counting-proxy.js';
import { startChild } from '../measurement/run-in-child.js';
import {
  HOSTED_CLIENT_SHAPES,
  HOSTED_CONTENDER_PHASES,
  type HostedContenderName,
  type HostedSetup,
  TRANSLATED_CONTENDERS,
} from './hosted-contender.js';
import { startLegacyFieldTranslator } from './legacy-field-translator.js';
import type { HostedRun, HostedTask } from './run-hosted-task.js';

/** The loopback service's behaviour during the hosted benchmark. */
export interface HostedScenario {
  name: string;
  /** Wait before every answer. */
  latencyMs: number;
  /** Requests answered at once; more get 429 with Retry-After. */
  concurrencyLimit: number;
  /** The Retry-After the 429s carry. */
  retryAfterMs: number;
}

/** The contenders to run against one model. */
export interface HostedModelRun {
  model: HostedSetup['model'];
  contenders: readonly HostedContenderName[];
}

/** Options of {@link runHostedSuite}. */
export interface HostedSuiteOptions {
  scenario: HostedScenario;
  /** Which contenders run against which model, in order. */
  runs: readonly HostedModelRun[];
  texts: string[];
  /** Paths of local photos. */
  images: string[];
  log: (line: string) => void;
}

/** One contender, one model, one phase: the client's view joined with the server's records. */
export interface HostedResult extends Omit<HostedRun, 'peakRssBytes'> {
  /** Requests the server received. */
  requests: number;
  /** Answers by HTTP status (a reset connection counts as 0). */
  statuses: Record<string, number>;
  /** Answers that were 429 (each one a retry for a client that retries, a failure otherwise). */
  throttled: number;
  peakInFlight: number;
  /** Wire bytes (headers and bodies) from client to server and back. */
  bytesSent: number;
  bytesReceived: number;
  /** Tokens the service billed for the requests it answered 200. */
  billedTokens: number;
  /** ceil(inputs / batch) / min(concurrency, cap) x latency, from the client's defaults. */
  idealWallMs: number;
  peakRssBytes: number;
}

/** Waits until the server has had nothing in flight for 300 ms (or `timeoutMs` passed). */
async function waitForIdle(server: { readonly inFlight: number }, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let idleSince = Date.now();
  while (Date.now() < deadline) {
    if (server.inFlight > 0) idleSince = Date.now();
    else if (Date.now() - idleSince >= 300) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * What the service bills for the requests it answered 200: each such body is replayed to a
 * second loopback server without latency or limits and its `usage.total_tokens` summed, so the
 * billing rules are the server's own (words + 2 per text, per-tile image tokens from the decoded
 * size), not a copy of them.
 */
async function billedTokens(
  records: readonly RecordedRequest[],
  billing: { url: string; apiKey: string },
): Promise<number> {
  const answered = records.filter((record) => record.status === 200);
  let total = 0;
  let next = 0;
  const worker = async () => {
    while (next < answered.length) {
      const record = answered[next++]!;
      if (record.body === undefined) {
        throw new Error(
          `The body of request ${records.indexOf(record)} was not recorded, so its billing is unknown: raise maxRecordedBodyBytes.`,
        );
      }
      const response = await fetch(`${billing.url}/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${billing.apiKey}` },
        body: JSON.stringify(record.body),
      });
      const body = (await response.json()) as { usage?: { total_tokens?: number } };
      total += body.usage?.total_tokens ?? 0;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return total;
}

/**
 * Runs each hosted contender against one loopback Jina API server (injected latency, a
 * concurrency cap answered with 429 + Retry-After), behind a byte-counting TCP relay, one child
 * process per contender (texts, then images); between phases the server drains and its records
 * are taken.
 */
export async function runHostedSuite(options: HostedSuiteOptions): Promise<HostedResult[]> {
  const { scenario } = options;
  // Billing replays every answered body (below), so the server keeps them all: 200 original
  // photos are about 300 MB of bodies, past the log's default bound of 64 MiB.
  const server = await startJinaApiServer({
    latencyMs: scenario.latencyMs,
    maxRecordedBodyBytes: 2 ** 32,
  });
  server.setConcurrencyLimit(scenario.concurrencyLimit, scenario.retryAfterMs);
  const billing = await startJinaApiServer({ apiKey: server.apiKey });
  const port = Number(new URL(server.url).port);
  const translator = await startLegacyFieldTranslator(new URL(server.url).origin);
  const direct = await startByteCountingProxy(port);
  const translated = await startByteCountingProxy(Number(new URL(translator.origin).port));
  const results: HostedResult[] = [];
  try {
    for (const { model, contenders } of options.runs) {
      for (const contender of contenders) {
        const child = startChild();
        for (const phase of HOSTED_CONTENDER_PHASES[contender]) {
          const inputs = phase === 'texts' ? options.texts : options.images;
          if (inputs.length === 0) continue;
          const proxy = TRANSLATED_CONTENDERS.has(contender) ? translated : direct;
          server.reset();
          proxy.reset();
          const task: HostedTask = {
            kind: 'hosted',
            contender,
            scenario: scenario.name,
            setup: { baseURL: `${proxy.origin}/v1`, apiKey: server.apiKey, model },
            phase,
            inputs,
          };
          let run: HostedRun;
          try {
            run = await child.request<HostedRun>(task);
          } catch (error) {
            run = {
              contender,
              scenario: scenario.name,
              model,
              phase,
              configuration: '',
              inputs: inputs.length,
              embedded: 0,
              wallMs: Number.NaN,
              error:
                `The client process failed: ${error instanceof Error ? error.message : String(error)}`.slice(
                  0,
                  300,
                ),
              peakRssBytes: Number.NaN,
            };
          }
          await waitForIdle(server, 60_000);
          const records = [...server.requests];
          const statuses: Record<string, number> = {};
          for (const record of records) {
            const key = String(record.status ?? 0);
            statuses[key] = (statuses[key] ?? 0) + 1;
          }
          const shape = HOSTED_CLIENT_SHAPES[contender];
          const concurrency = Math.min(shape.concurrency, scenario.concurrencyLimit);
          const bytes = proxy.bytes();
          const result: HostedResult = {
            ...run,
            requests: records.length,
            statuses,
            throttled: statuses['429'] ?? 0,
            peakInFlight: server.peakInFlight,
            bytesSent: bytes.sent,
            bytesReceived: bytes.received,
            billedTokens: await billedTokens(records, billing),
            idealWallMs:
              (Math.ceil(inputs.length / shape.batchSize) / concurrency) * scenario.latencyMs,
          };
          results.push(result);
          options.log(
            `  ${model} ${phase.padEnd(6)} ${contender.padEnd(38)} ` +
              `${result.embedded}/${result.inputs} in ${(result.wallMs / 1000).toFixed(2)} s, ` +
              `${result.requests} requests (${result.throttled} x 429), ` +
              `${(result.bytesReceived / 2 ** 20).toFixed(1)} MiB in, ${result.billedTokens} tokens` +
              (result.error === undefined ? '' : `  ERROR ${result.error.slice(0, 120)}`),
          );
        }
        await child.close();
      }
    }
  } finally {
    await direct.close();
    await translated.close();
    await translator.close();
    await server.close();
    await billing.close();
  }
  return results;
}
