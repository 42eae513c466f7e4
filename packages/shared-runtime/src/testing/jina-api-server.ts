import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { EmbeddingsResponseBody, EmbeddingsResponseItem } from '../api/embeddings-wire.js';
import type { ModelInfo } from '../models/model-info.js';
import { MODELS } from '../models/models.js';
import { contentSeed, expectedServerEmbedding } from './jina-api-server-embedding.js';
import { SERVICE_ERROR_CODES, serviceError, validationError } from './jina-api-server-errors.js';
import {
  isStatusFault,
  type JinaApiFault,
  type JinaApiStatusFault,
} from './jina-api-server-faults.js';
import { inputTokens } from './jina-api-server-usage.js';
import {
  isServiceError,
  type ValidEmbeddingsRequest,
  validateEmbeddingsRequest,
} from './jina-api-server-validation.js';

/** Options of {@link startJinaApiServer}. */
export interface JinaApiServerOptions {
  /** The only key the server accepts. @default a random `jina_loopback_…` key */
  apiKey?: string;
  /** The models it serves. @default the models of `MODELS` */
  models?: readonly ModelInfo[];
  /** Milliseconds every request waits before it is answered. @default 0 */
  latencyMs?: number;
  /** Most requests answered at once; those beyond get a 429. @default no limit */
  concurrencyLimit?: number;
  /**
   * Keep request bodies in `requests`. `false` records everything else (and `bodyBytes`), so a
   * long soak holds no bodies at all.
   * @default true
   */
  recordBodies?: boolean;
  /**
   * Most body bytes `requests` holds: past it, the oldest records lose their `body` (set to
   * undefined; `bodyBytes` stays), so a soak over thousands of images stays bounded.
   * @default 67108864 (64 MiB)
   */
  maxRecordedBodyBytes?: number;
  /** Most records `requests` holds: past it, the oldest are dropped. @default 10000 */
  maxRecordedRequests?: number;
  /**
   * Largest request body read, in bytes: a bigger one (by its `content-length`, or counted while
   * it arrives) is answered 413 `REQUEST_TOO_LARGE` without reading the rest. A request that
   * fails authentication is answered 401 before any of its body is read.
   * @default 67108864 (64 MiB)
   */
  maxRequestBodyBytes?: number;
}

/** A request the server received, as recorded on arrival. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/embeddings`. */
  path: string;
  /** Headers, names lower-cased; `authorization` is redacted to `Bearer [redacted]`. */
  headers: Record<string, string>;
  /**
   * The body parsed as JSON, or its text when it is not JSON; undefined when bodies are not
   * recorded (`recordBodies: false`) or this one was dropped to bound the log.
   */
  body: unknown;
  /** Size of the body in bytes, recorded always. */
  bodyBytes: number;
  /** `Date.now()` when the request arrived. */
  time: number;
  /** Which TCP connection carried it (1, 2, ... in the order connections opened). */
  connection: number;
  /** The status answered; undefined while pending and for a reset connection. */
  status?: number;
}

/** A running loopback Jina API server. */
export interface JinaApiServer {
  /** Base URL to pass as `baseURL`: `http://127.0.0.1:<port>/v1`. */
  readonly url: string;
  /** The key it accepts. */
  readonly apiKey: string;
  /**
   * Requests received, in arrival order: the last `maxRecordedRequests`, bodies of the most
   * recent within `maxRecordedBodyBytes` (see {@link JinaApiServerOptions}).
   */
  readonly requests: RecordedRequest[];
  /** Requests received and not yet answered. */
  readonly inFlight: number;
  /** The most requests ever in flight at once. */
  readonly peakInFlight: number;
  /** Queues faults; each following request consumes one, in order. */
  fail(...faults: JinaApiFault[]): void;
  /** Sets the wait before every answer. */
  setLatency(ms: number): void;
  /**
   * Answers 429 (with `Retry-After` and `retry-after-ms` of `retryAfterMs`) to a request that
   * arrives while `limit` others are in flight; `undefined` lifts the limit.
   */
  setConcurrencyLimit(limit: number | undefined, retryAfterMs?: number): void;
  /** Forgets recorded requests, the peak and queued faults. */
  reset(): void;
  /** Stops the server and drops its connections. */
  close(): Promise<void>;
}

function flattenHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (headers.authorization !== undefined) {
    headers.authorization = /^bearer /i.test(headers.authorization)
      ? 'Bearer [redacted]'
      : '[redacted]';
  }
  return headers;
}

/**
 * The body, or `undefined` when it is (or declares itself) larger than `maxBytes`: reading then
 * stops (listeners, not `for await`, whose early exit would destroy the socket before the 413 is
 * sent); Node.js discards the rest once the answer is sent.
 */
function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        stop();
        request.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}

/** Streams JSON whitespace after `{"data":[` until the client goes, never buffering more. */
function streamEndlessBody(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.write('{"data":[');
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const pump = () => {
    while (!response.destroyed && response.write(chunk)) {
      // write() returns false once the socket's buffer is full: wait for 'drain'.
    }
  };
  response.on('drain', pump);
  pump();
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

function encodeVector(vector: Float32Array, type: ValidEmbeddingsRequest['embeddingType']) {
  if (type === 'float') return Array.from(vector);
  const bytes = Buffer.alloc(vector.length * 4);
  for (const [index, value] of vector.entries()) bytes.writeFloatLE(value, index * 4);
  return bytes.toString('base64');
}

/**
 * A deterministic shuffle of `count` positions, seeded by the inputs' contents, that never leaves
 * two or more positions in order: every answer exercises the client's reordering.
 */
function shuffledOrder(seeds: readonly Buffer[]): number[] {
  const keys = seeds.map((seed, index) =>
    createHash('sha256').update(seed).update(String(index)).digest().readUInt32BE(0),
  );
  const order = keys.map((_, index) => index).sort((a, b) => keys[a]! - keys[b]! || a - b);
  if (order.length > 1 && order.every((value, index) => value === index))
    order.push(order.shift()!);
  return order;
}

/**
 * Starts a loopback server (127.0.0.1, a random port) that speaks the Jina Embeddings API the way
 * the service does, for tests that must run offline: it checks the key (401 with the service's
 * codes), validates bodies per model (400 for an unknown model, 422 "Extra inputs are not
 * permitted" with `errors[]` for a parameter the model does not take), answers deterministic
 * vectors ({@link expectedServerEmbedding}) in shuffled order with `index`, honours `dimensions`,
 * `normalized` and `embedding_type`, bills usage like the service (about one token per word plus
 * two; images 1000 per 224 px tile on v1, 4000 per 512 px tile on v2, from the decoded size; an
 * image URL is never fetched and is billed one tile), and records requests (bounded: see
 * {@link JinaApiServerOptions.maxRecordedBodyBytes}). Faults can be scripted with `fail`.
 */
export async function startJinaApiServer(
  options: JinaApiServerOptions = {},
): Promise<JinaApiServer> {
  const apiKey = options.apiKey ?? `jina_loopback_${randomBytes(16).toString('hex')}`;
  const models = new Map<string, ModelInfo>(
    (options.models ?? Object.values(MODELS)).map((model) => [model.id, model]),
  );
  let latencyMs = options.latencyMs ?? 0;
  let concurrencyLimit = options.concurrencyLimit;
  let concurrencyRetryAfterMs = 1000;
  const faults: JinaApiFault[] = [];
  const requests: RecordedRequest[] = [];
  const recordBodies = options.recordBodies ?? true;
  const maxRecordedBodyBytes = options.maxRecordedBodyBytes ?? 64 * 1024 * 1024;
  const maxRecordedRequests = options.maxRecordedRequests ?? 10_000;
  const maxRequestBodyBytes = options.maxRequestBodyBytes ?? 64 * 1024 * 1024;
  // Records still holding a body, oldest first, and their bytes.
  const withBodies: RecordedRequest[] = [];
  let recordedBodyBytes = 0;
  const keepRecord = (entry: RecordedRequest) => {
    requests.push(entry);
    if (requests.length > maxRecordedRequests)
      requests.splice(0, requests.length - maxRecordedRequests);
    if (entry.body === undefined) return;
    withBodies.push(entry);
    recordedBodyBytes += entry.bodyBytes;
    while (recordedBodyBytes > maxRecordedBodyBytes && withBodies.length > 0) {
      const oldest = withBodies.shift()!;
      recordedBodyBytes -= oldest.bodyBytes;
      oldest.body = undefined;
    }
  };
  const timers = new Set<NodeJS.Timeout>();
  const connections = new WeakMap<Socket, number>();
  let connectionCount = 0;
  let inFlight = 0;
  let peakInFlight = 0;

  const wait = (ms: number) =>
    ms <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, ms);
          timers.add(timer);
        });

  const send = (
    response: ServerResponse,
    record: RecordedRequest | undefined,
    status: number,
    body: unknown,
    headers: OutgoingHttpHeaders = {},
    truncate = false,
  ) => {
    if (response.destroyed || response.headersSent) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const length = Buffer.byteLength(text);
    if (record !== undefined) record.status = status;
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': length,
      ...headers,
    });
    if (!truncate) {
      response.end(text);
      return;
    }
    // Half the promised bytes, then the connection goes: a body cut off in transit.
    response.write(Buffer.from(text).subarray(0, Math.floor(length / 2)), () =>
      response.socket?.destroy(),
    );
  };

  const sendStatusFault = (
    response: ServerResponse,
    record: RecordedRequest,
    fault: JinaApiStatusFault,
  ) => {
    const headers: OutgoingHttpHeaders = { ...fault.headers };
    if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
    if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = fault.retryAfterMs;
    const code =
      fault.status === 429
        ? SERVICE_ERROR_CODES.rateLimited
        : fault.status === 503
          ? SERVICE_ERROR_CODES.unavailable
          : SERVICE_ERROR_CODES.internal;
    const message =
      fault.status === 429
        ? 'Rate limit exceeded: too many requests, retry later'
        : (STATUS_CODES[fault.status] ?? 'Error');
    send(
      response,
      record,
      fault.status,
      fault.body ?? serviceError(fault.status, code, message).body,
      headers,
    );
  };

  const authorize = (request: IncomingMessage) => {
    const header = request.headers.authorization;
    if (header === undefined || header.trim() === '') {
      return serviceError(401, SERVICE_ERROR_CODES.missingApiKey, 'Authentication required');
    }
    const match = /^Bearer (\S+)$/.exec(header);
    if (match === null) {
      return serviceError(
        401,
        SERVICE_ERROR_CODES.invalidAuthFormat,
        'Invalid authorization format',
      );
    }
    return match[1] === apiKey
      ? undefined
      : serviceError(401, SERVICE_ERROR_CODES.invalidApiKey, 'Invalid API key');
  };

  const embed = async (valid: ValidEmbeddingsRequest) => {
    const tokens = await Promise.all(valid.input.map((input) => inputTokens(input, valid.model)));
    const badImage = tokens.indexOf(undefined);
    if (badImage >= 0) {
      return serviceError(
        400,
        SERVICE_ERROR_CODES.invalidImage,
        `Input ${badImage}: the image could not be decoded`,
      );
    }
    const seeds = valid.input.map((input) => contentSeed(input, valid.model, valid.task));
    const data: EmbeddingsResponseItem[] = shuffledOrder(seeds).map((index) => ({
      object: 'embedding',
      index,
      embedding: encodeVector(
        expectedServerEmbedding(valid.input[index]!, valid.model, valid.dimensions, {
          normalized: valid.normalized,
          task: valid.task,
        }),
        valid.embeddingType,
      ),
    }));
    const totalTokens = tokens.reduce<number>((sum, count) => sum + (count ?? 0), 0);
    const body: EmbeddingsResponseBody = {
      model: valid.model.id,
      object: 'list',
      usage: { total_tokens: totalTokens, prompt_tokens: totalTokens },
      data,
    };
    return { status: 200, body };
  };

  /** The record of a request whose body was not read. */
  const recordUnread = (request: IncomingMessage, time: number): RecordedRequest => {
    const record: RecordedRequest = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: flattenHeaders(request),
      body: undefined,
      bodyBytes: 0,
      time,
      connection: connections.get(request.socket) ?? 0,
    };
    keepRecord(record);
    return record;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const time = Date.now();
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    let counted = true;
    response.on('close', () => {
      if (counted) inFlight--;
      counted = false;
    });

    // The key first: an unauthenticated body is never read (a 300 MB one was buffered whole
    // before its 401), and no body is read past the cap.
    const unauthorized = authorize(request);
    const read =
      unauthorized === undefined ? await readBody(request, maxRequestBodyBytes) : Buffer.alloc(0);
    if (read === undefined) {
      const record = recordUnread(request, time);
      send(
        response,
        record,
        413,
        serviceError(
          413,
          SERVICE_ERROR_CODES.requestTooLarge,
          `Request body larger than ${maxRequestBodyBytes} bytes`,
        ).body,
        { connection: 'close' },
      );
      return;
    }
    const bytes = read;
    const text = bytes.toString('utf8');
    const parsed = parseJson(text);
    const record: RecordedRequest = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: flattenHeaders(request),
      body: recordBodies ? (parsed === undefined ? text : parsed.value) : undefined,
      bodyBytes: bytes.byteLength,
      time,
      connection: connections.get(request.socket) ?? 0,
    };
    keepRecord(record);

    const fault = faults.shift();
    if (fault !== undefined && 'reset' in fault) {
      request.socket.destroy();
      return;
    }
    if (fault !== undefined && isStatusFault(fault)) {
      sendStatusFault(response, record, fault);
      return;
    }
    if (fault !== undefined && 'endlessBody' in fault) {
      record.status = 200;
      streamEndlessBody(response);
      return;
    }
    if (concurrencyLimit !== undefined && inFlight > concurrencyLimit) {
      send(
        response,
        record,
        429,
        serviceError(429, SERVICE_ERROR_CODES.rateLimited, 'Concurrency limit exceeded').body,
        {
          'retry-after': String(Math.ceil(concurrencyRetryAfterMs / 1000)),
          'retry-after-ms': String(concurrencyRetryAfterMs),
        },
      );
      return;
    }
    await wait(latencyMs + (fault !== undefined && 'delayMs' in fault ? fault.delayMs : 0));
    if (response.destroyed) return;

    if (request.method !== 'POST' || record.path.split('?')[0] !== '/v1/embeddings') {
      send(
        response,
        record,
        404,
        serviceError(404, SERVICE_ERROR_CODES.notFound, 'Not Found').body,
      );
      return;
    }
    if (unauthorized !== undefined) {
      // The unread body is discarded by Node.js as it arrives, and the connection closed.
      send(response, record, unauthorized.status, unauthorized.body, { connection: 'close' });
      return;
    }
    if (parsed === undefined) {
      const answer = validationError([
        { field: 'body', message: 'JSON decode error', type: 'json_invalid' },
      ]);
      send(response, record, answer.status, answer.body);
      return;
    }
    const valid = validateEmbeddingsRequest(parsed.value, models);
    const answer = isServiceError(valid) ? valid : await embed(valid);
    const truncate = fault !== undefined && 'truncate' in fault && answer.status === 200;
    send(response, record, answer.status, answer.body, {}, truncate);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent && !response.destroyed) {
        send(
          response,
          undefined,
          500,
          serviceError(500, SERVICE_ERROR_CODES.internal, String(error)).body,
        );
      }
    });
  });
  server.on('connection', (socket) => connections.set(socket, ++connectionCount));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    apiKey,
    requests,
    get inFlight() {
      return inFlight;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    fail(...more) {
      faults.push(...more);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    setConcurrencyLimit(limit, retryAfterMs = 1000) {
      concurrencyLimit = limit;
      concurrencyRetryAfterMs = retryAfterMs;
    },
    reset() {
      requests.length = 0;
      withBodies.length = 0;
      recordedBodyBytes = 0;
      faults.length = 0;
      peakInFlight = inFlight;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
