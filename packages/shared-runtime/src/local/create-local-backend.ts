import { checkEmbedOptions, resolveEmbedOptions } from '../embed-options.js';
import type { EmbeddingBackend, EmbedOptions, EmbedResult } from '../embedding-backend.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { JinaClipError } from '../errors/jina-clip-error.js';
import { ImageWorkerPool } from '../images/image-worker-pool.js';
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
 * images count 0. `close()` releases the sessions; the backend is unusable afterwards.
 */
export function createLocalBackend(options: LocalBackendOptions = {}): EmbeddingBackend {
  const config = resolveLocalConfig(options);
  // Aborts a download still running when the backend is closed.
  const lifetime = new AbortController();
  // Threads start with the first image: a text-only backend never starts one.
  const imagePool = new ImageWorkerPool(config.imageWorkers);
  const running = new Set<Promise<unknown>>();
  let loading: Promise<LocalModel> | undefined;
  let loaded: LocalModel | undefined;
  let closed = false;

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
    embedOptions: EmbedOptions = {},
  ): Promise<EmbedResult> {
    if (closed) throw new JinaClipError('This local backend is closed; create a new one.');
    const { signal, onProgress } = checkEmbedOptions(embedOptions);
    signal?.throwIfAborted();
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
    // Every optional package this call needs, checked before any download: all the missing
    // ones are named in one error.
    await untilAborted(
      importOptionalPeers(localPeersFor(resolvedInputs), { cpuOnly: config.device === 'cpu' }),
      signal,
    );
    const model = await untilAborted(load(), signal);
    if (closed) throw new JinaClipError('This local backend was closed while the call ran.');
    return runLocalEmbedding(model, resolvedInputs, {
      embed: resolveEmbedOptions(model.info, embedOptions, model.info.dimensions),
      batchSize: config.batchSize,
      normalized: config.normalized,
      signal,
      onProgress,
      onTruncation: config.onTruncation,
      images: config.images,
      imagePool,
      exactImages: config.exactImages,
    });
  }

  return {
    get model() {
      return loaded?.info ?? config.model;
    },
    embed(inputs, embedOptions) {
      const call = embed(inputs, embedOptions);
      const settled = call.catch(() => {});
      running.add(settled);
      void settled.then(() => running.delete(settled));
      return call;
    },
    async close() {
      if (closed) return;
      closed = true;
      lifetime.abort(new JinaClipError('The local backend was closed while its model loaded.'));
      // Calls in flight finish (or fail) before their sessions go away.
      await Promise.all(running);
      const model = await loading?.catch(() => undefined);
      loading = undefined;
      await model?.graphs.release();
      await imagePool.close();
    },
  };
}
