import { checkEmbedOptions, resolveEmbedOptions } from '../embed-options.js';
import type { EmbeddingBackend, EmbedOptions, EmbedResult } from '../embedding-backend.js';
import { BackendClosedError } from '../errors/backend-closed-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { ImageWorkerPool } from '../images/image-worker-pool.js';
import { PixelBufferPool } from '../images/pixel-buffer-pool.js';
import type { EmbeddingInput } from '../inputs/embedding-input.js';
import { validateInputs } from '../inputs/validate-inputs.js';
import { importOptionalPeers } from '../optional-peer.js';
import { type LocalModel, loadLocalModel } from './load-local-model.js';
import type { LocalBackendOptions } from './local-backend-options.js';
import { localPeersFor } from './local-peers.js';
import { resolveLocalConfig } from './resolve-local-config.js';
import { runLocalEmbedding } from './run-local-embedding.js';

/** Waits for `promise`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Creates a backend that runs the model's ONNX export in-process with onnxruntime-node
 * (`jina-clip-v1` by default, or `jina-clip-v2`).
 *
 * Options are validated here (an {@link InvalidInputError} names the field). Nothing is loaded
 * until the first `embed`: then the files are taken from `modelPath`, or from the Hugging Face
 * cache (downloaded on first use), the tokenizer and configs are read, and each graph is opened
 * when a call first needs it. Concurrent first calls share one load. `model` describes the table's
 * model until then, and the loaded repository afterwards (its graph's width, its Matryoshka
 * widths, its query instruction).
 *
 * Each call validates its inputs and options before any inference (`dimensions` against the
 * loaded width), then embeds texts in batches of similar token length and images with decoding
 * one batch ahead of inference; vectors come back in input order, normalised unless
 * `normalized: false`. Texts longer than the model reads are truncated and reported
 * (`onTruncation`, else a process warning). `usage.totalTokens` counts text tokens read;
 * images count 0. `close()` rejects every pending call at once with a {@link BackendClosedError}
 * (and every later call), aborts a download in flight, waits for an inference batch already
 * running to finish, then releases the sessions; it resolves once they are released.
 */
export function createLocalBackend(options: LocalBackendOptions = {}): EmbeddingBackend {
  const config = resolveLocalConfig(options);
  // Aborts a download still running when the backend is closed.
  const lifetime = new AbortController();
  // Threads start with the first image: a text-only backend never starts one.
  const imagePool = new ImageWorkerPool(config.imageWorkers);
  const pixelBuffers = new PixelBufferPool();
  /** Calls not yet settled: each with the controller close() aborts and its settled work. */
  const pending = new Set<{ closing: AbortController; work: Promise<unknown> }>();
  let loading: Promise<LocalModel> | undefined;
  let loaded: LocalModel | undefined;
  let closing: Promise<void> | undefined;

  const load = () => {
    loading ??= loadLocalModel(config, lifetime.signal).then(
      (model) => {
        loaded = model;
        return model;
      },
      (error: unknown) => {
        // A failed load (offline without the files, say) is tried again by the next call.
        loading = undefined;
        throw error;
      },
    );
    return loading;
  };

  async function embed(
    inputs: readonly EmbeddingInput[],
    givenOptions: EmbedOptions,
    closed: AbortSignal,
  ): Promise<EmbedResult> {
    // Own properties only, read once: every later read is of this snapshot.
    const embedOptions = checkEmbedOptions(givenOptions);
    const { signal: callerSignal, onProgress } = embedOptions;
    callerSignal?.throwIfAborted();
    const resolvedInputs = validateInputs(inputs);
    // Checked before any download: fully for the official repository, whose widths the model
    // table knows; only the task for another repository (its config.json says its widths). After
    // loading, always against the loaded repository and graph.
    const official = config.modelPath === undefined && config.repo === config.model.repo;
    resolveEmbedOptions(config.model, official ? embedOptions : { task: embedOptions.task });
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw new InvalidInputError('`onProgress` must be a function.', { field: 'onProgress' });
    }
    if (resolvedInputs.length === 0) return { embeddings: [], usage: { totalTokens: 0 } };
    // The caller's signal, or close(): whichever comes first stops the call between batches.
    const signal = callerSignal === undefined ? closed : AbortSignal.any([callerSignal, closed]);
    // Every optional package this call needs, checked before any download: all the missing
    // ones are named in one error.
    await untilAborted(
      importOptionalPeers(localPeersFor(resolvedInputs), { cpuOnly: config.device === 'cpu' }),
      signal,
    );
    const model = await untilAborted(load(), signal);
    signal.throwIfAborted();
    return runLocalEmbedding(model, resolvedInputs, {
      embed: resolveEmbedOptions(model.info, embedOptions, model.info.dimensions),
      batchSize: config.batchSize,
      normalized: config.normalized,
      signal,
      onProgress,
      onTruncation: embedOptions.onTruncation ?? config.onTruncation,
      images: config.images,
      imagePool,
      exactImages: config.exactImages,
      pixelBuffers,
    });
  }

  return {
    get model() {
      return loaded?.info ?? config.model;
    },
    embed(inputs, embedOptions = {}) {
      if (closing !== undefined) {
        return Promise.reject(
          new BackendClosedError('This local backend is closed: create a new one to embed again.'),
        );
      }
      const entry = { closing: new AbortController(), work: Promise.resolve() as Promise<unknown> };
      const work = embed(inputs, embedOptions, entry.closing.signal);
      entry.work = work.catch(() => {});
      pending.add(entry);
      void entry.work.then(() => pending.delete(entry));
      // close() settles the call at once; its work stops at the next batch boundary.
      return new Promise<EmbedResult>((resolve, reject) => {
        const onClose = () => reject(entry.closing.signal.reason);
        entry.closing.signal.addEventListener('abort', onClose, { once: true });
        work.then(resolve, reject).finally(() => {
          entry.closing.signal.removeEventListener('abort', onClose);
        });
      });
    },
    close() {
      closing ??= (async () => {
        const reason = new BackendClosedError(
          'The local backend was closed while this call was pending.',
        );
        // Settles every pending call and aborts a download in flight.
        lifetime.abort(reason);
        for (const entry of pending) entry.closing.abort(reason);
        // Inference already running finishes its batch before the sessions go away.
        await Promise.all([...pending].map((entry) => entry.work));
        const model = await loading?.catch(() => undefined);
        loading = undefined;
        await model?.tokenizerThread.close();
        await model?.graphs.release();
        await imagePool.close();
      })();
      return closing;
    },
  };
}
