import { setMaxListeners } from 'node:events';
import { Pool } from 'undici';
import { checkEmbedOptions, resolveEmbedOptions } from '../embed-options.js';
import type { EmbeddingBackend, EmbedOptions, EmbedResult } from '../embedding-backend.js';
import { ApiError } from '../errors/api-error.js';
import { BackendClosedError } from '../errors/backend-closed-error.js';
import { ImageWorkerPool } from '../images/image-worker-pool.js';
import type { EmbeddingInput } from '../inputs/embedding-input.js';
import { validateInputs } from '../inputs/validate-inputs.js';
import { finishVector } from '../vectors.js';
import type { ApiBackendOptions } from './api-backend-options.js';
import { readApiKey } from './api-key.js';
import { buildRequestBody } from './build-request-body.js';
import { decodeEmbeddingsResponse } from './decode-embeddings.js';
import { createWireInputPreparer } from './prepare-wire-inputs.js';
import { createRequestLimiter, type SlotOutcome } from './request-limiter.js';
import { resolveApiConfig, resolveHeaders } from './resolve-api-config.js';
import { withRetries } from './retry.js';
import { runBatches } from './run-batches.js';
import { sendJsonRequest } from './send-request.js';
import { USER_AGENT } from './user-agent.js';

/**
 * Creates a backend that embeds with the hosted Jina Embeddings API (`POST {baseURL}/embeddings`),
 * or any server speaking its protocol.
 *
 * Options are validated here (an {@link InvalidInputError} names the field); the API key is read
 * at the first request, from `apiKey` or `JINA_API_KEY`. Each `embed` call validates its inputs
 * and options before sending anything, sends `batchSize` inputs per request with at most
 * `maxConcurrency` requests in flight across all calls of this backend, retries what is worth
 * retrying, and returns the vectors in input order. A 429 halves the backend's own concurrency
 * (shared by all calls; successes raise it again up to `maxConcurrency`) and is retried for up to
 * `rateLimitTimeout` ms. One keep-alive undici pool, created at the first request, serves every
 * call until {@link EmbeddingBackend.close}, which rejects every pending call with
 * {@link BackendClosedError} at once.
 */
export function createApiBackend(options: ApiBackendOptions = {}): EmbeddingBackend {
  const config = resolveApiConfig(options);
  const { model, endpoint } = config;
  const limiter = createRequestLimiter(config.maxConcurrency);
  // Threads start with the first image resized for upload: a text-only backend starts none.
  const imagePool = new ImageWorkerPool(config.imageWorkers);
  const prepareWireInputs = createWireInputPreparer(config, imagePool);
  let apiKey: string | undefined;
  let pool: Pool | undefined;
  // Aborted by close(): every pending call (in flight, queued for a slot, sleeping before a
  // retry) rejects at once with its reason, a BackendClosedError.
  const lifetime = new AbortController();
  // Every pending call listens on it (a framework may start hundreds at once, as the AI SDK's
  // embedMany does with its chunks): no listener limit, so no false leak warning.
  setMaxListeners(0, lifetime.signal);

  const getPool = () => {
    if (lifetime.signal.aborted) throw lifetime.signal.reason;
    pool ??= new Pool(endpoint.origin, {
      connections: config.maxConcurrency,
      // The per-request `timeout` covers the whole exchange; undici's idle timers stay out of it.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    return pool;
  };

  async function embed(
    inputs: readonly EmbeddingInput[],
    givenOptions?: EmbedOptions,
  ): Promise<EmbedResult> {
    lifetime.signal.throwIfAborted();
    // Own properties only, read once: every later read is of this snapshot.
    const embedOptions = checkEmbedOptions(givenOptions);
    const { signal: callerSignal, onProgress, onResponse } = embedOptions;
    callerSignal?.throwIfAborted();
    const callHeaders = resolveHeaders(embedOptions?.headers);
    const resolvedInputs = validateInputs(inputs);
    const embedConfig = resolveEmbedOptions(model, embedOptions);
    const signal =
      callerSignal === undefined
        ? lifetime.signal
        : AbortSignal.any([callerSignal, lifetime.signal]);
    const total = resolvedInputs.length;
    if (total === 0) return { embeddings: [], usage: { totalTokens: 0 } };
    apiKey ??= readApiKey(config.explicitApiKey());
    const secret = apiKey;
    const headers = {
      'user-agent': USER_AGENT,
      accept: 'application/json',
      ...config.headers,
      ...callHeaders,
      authorization: `Bearer ${secret}`,
      'content-type': 'application/json',
    };
    const width = embedConfig.dimensions ?? model.dimensions;
    // A model that cannot be asked for unit vectors gets them normalised here.
    const normaliseLocally = config.normalized && !model.apiParameters.includes('normalized');
    const embeddings = new Array<Float32Array>(total);
    let totalTokens = 0;
    let done = 0;

    await runBatches({
      total,
      batchSize: config.batchSize,
      concurrency: config.maxConcurrency,
      signal,
      prepare: (range, batchSignal) =>
        prepareWireInputs(resolvedInputs, range, batchSignal).then((wireInputs) =>
          JSON.stringify(
            buildRequestBody(model, wireInputs, {
              normalized: config.normalized,
              embed: embedConfig,
            }),
          ),
        ),
      send: (body, range, batchSignal) =>
        withRetries(
          async (attemptSignal) => {
            const release = await limiter.acquire(attemptSignal);
            let outcome: SlotOutcome = 'other';
            try {
              const answer = await sendJsonRequest(
                getPool(),
                { url: endpoint, headers, body },
                {
                  timeout: config.timeout,
                  signal: attemptSignal,
                  secret,
                  maxResponseBytes: config.maxResponseBytes,
                },
              );
              outcome = 'success';
              onResponse?.({ status: answer.status, headers: answer.headers });
              return decodeEmbeddingsResponse(
                answer.body,
                { count: range.end - range.start, width },
                answer,
              );
            } catch (error) {
              if (ApiError.isInstance(error) && error.status === 429) outcome = 'rate-limited';
              throw error;
            } finally {
              release(outcome);
            }
          },
          {
            maxRetries: config.maxRetries,
            backoff: config.backoff,
            rateLimitTimeout: config.rateLimitTimeout,
            signal: batchSignal,
          },
        ),
      onBatchDone: (result, range) => {
        for (const [offset, vector] of result.embeddings.entries()) {
          embeddings[range.start + offset] = normaliseLocally
            ? finishVector(vector, { normalized: true })
            : vector;
        }
        totalTokens += result.totalTokens;
        done += range.end - range.start;
        onProgress?.(done, total);
      },
    });
    return { embeddings, usage: { totalTokens } };
  }

  return {
    model,
    embed,
    async close() {
      if (!lifetime.signal.aborted) {
        const reason = new BackendClosedError();
        lifetime.abort(reason);
        limiter.close(reason);
      }
      const open = pool;
      pool = undefined;
      // Every request was aborted above; destroy() drops their sockets without waiting.
      await open?.destroy();
      await imagePool.close();
    },
  };
}
