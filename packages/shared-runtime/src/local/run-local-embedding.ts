import type { EmbedConfig } from '../embed-options.js';
import type { EmbedResult } from '../embedding-backend.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { JinaClipError } from '../errors/jina-clip-error.js';
import { ModelLoadError } from '../errors/model-load-error.js';
import type { ImageWorkerPool } from '../images/image-worker-pool.js';
import type { PixelBufferPool } from '../images/pixel-buffer-pool.js';
import type { ResolvedInput } from '../inputs/embedding-input.js';
import type { ImageSourceConfig } from '../inputs/image-source-options.js';
import { finishVector } from '../vectors.js';
import { decodeImageBatch, type ImageToEmbed, planImageBatches } from './image-batches.js';
import type { LocalModel } from './load-local-model.js';
import type { TruncatedInput } from './local-backend-options.js';
import { reportTruncation } from './report-truncation.js';
import { groupTextBatches, padBatch, type TokenizedText } from './text-batches.js';
import type { TextEncoding, TextTokenizer } from './text-tokenizer.js';
import { TOKENIZER_THREAD_MIN_CHARACTERS, type TokenizerThread } from './tokenizer-thread.js';

/** What one `embed` call runs with. */
export interface LocalEmbedRun {
  /** The call's task and Matryoshka width, checked against the loaded model. */
  embed: EmbedConfig;
  batchSize: number;
  normalized: boolean;
  signal: AbortSignal | undefined;
  onProgress: ((done: number, total: number) => void) | undefined;
  onTruncation: ((truncated: readonly TruncatedInput[]) => void) | undefined;
  /** Byte cap, download, path and pixel policy of image inputs. */
  images: ImageSourceConfig;
  /** The backend's image worker threads (size 0: inline). */
  imagePool: ImageWorkerPool;
  /** Full-size decode and PIL-exact resample for every image (`exactImages`). */
  exactImages: boolean;
  /** The backend's `pixel_values` buffers, reused between runs. */
  pixelBuffers: PixelBufferPool;
}

/**
 * Tokenizes one input's text, giving the event loop a turn (and checking `signal`) whenever the
 * current slice of work has run {@link TOKENIZE_SLICE_MS}, also between the tokenizer calls of
 * one long text. Whatever the tokenizer library throws (its stack or memory giving out on a
 * pathological text, say) becomes an {@link InvalidInputError} naming the input.
 */
async function encodeText(
  tokenizer: TextTokenizer,
  text: string,
  inputIndex: number,
  slice: TokenizeSlice,
): Promise<TextEncoding> {
  const untokenizable = (error: unknown) => {
    if (error instanceof JinaClipError) return error;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new InvalidInputError(
      `Input ${inputIndex}: the tokenizer could not tokenize this text of ${text.length} characters (${reason}).`,
      { inputIndex, cause: error },
    );
  };
  if (text.length >= TOKENIZER_THREAD_MIN_CHARACTERS && slice.thread !== undefined) {
    // One tokenizer call of a long text cannot be cut into turns: the thread takes it whole.
    await slice.pause();
    const { signal } = slice;
    try {
      return await slice.thread.encode(text, signal);
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      throw untokenizable(error);
    }
  }
  const steps = tokenizer.encodeSteps(text);
  for (;;) {
    await slice.pause();
    let step: IteratorResult<void, TextEncoding>;
    try {
      step = steps.next();
    } catch (error) {
      throw untokenizable(error);
    }
    if (step.done) return step.value;
  }
}

/** Where tokenizing gives the event loop a turn: at most every {@link TOKENIZE_SLICE_MS}. */
interface TokenizeSlice {
  /** Yields to the event loop (and checks the signal) when the slice has run its time. */
  pause(): Promise<void>;
  /** The call's signal. */
  readonly signal: AbortSignal | undefined;
  /** The thread that tokenizes texts of {@link TOKENIZER_THREAD_MIN_CHARACTERS} or more. */
  readonly thread: TokenizerThread | undefined;
}

function tokenizeSlice(
  signal: AbortSignal | undefined,
  thread: TokenizerThread | undefined,
): TokenizeSlice {
  let sliceStart = performance.now();
  return {
    signal,
    thread,
    async pause() {
      if (performance.now() - sliceStart < TOKENIZE_SLICE_MS) return;
      await yieldToEventLoop();
      signal?.throwIfAborted();
      sliceStart = performance.now();
    },
  };
}

/**
 * Longest stretch of tokenization, in milliseconds, before the event loop gets a turn: a call's
 * texts are tokenized in slices of about this much work, with a `setImmediate` turn and an abort
 * check between slices, so 2,000 texts of 2,000 characters (seconds of work) neither block timers
 * and sockets nor delay an abort until they are all done.
 */
export const TOKENIZE_SLICE_MS = 40;

/** One turn of the event loop: timers, I/O and an abort's listeners run before tokenizing goes on. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A promise whose rejection is handled until someone awaits it (a prefetch that may go unused). */
function prefetch<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/**
 * Embeds validated inputs with a loaded model:
 * - texts get the query instruction when the call's task asks for it (v2), are tokenized (and
 *   truncation reported) in slices of about {@link TOKENIZE_SLICE_MS} with a turn of the event
 *   loop and an abort check between slices, grouped by token length into batches of
 *   `batchSize`, and run;
 * - images are loaded and preprocessed a batch ahead of inference, so decoding batch k+1
 *   overlaps running batch k (and the first image batch overlaps the text batches);
 * - every vector is truncated to `dimensions` and normalised (`finishVector`) and put back at
 *   its input's index; `onProgress` counts inputs; the signal is checked between batches.
 * `usage.totalTokens` counts the text tokens read (special tokens and instruction included);
 * images count 0 (the local model bills nothing per image).
 */
export async function runLocalEmbedding(
  model: LocalModel,
  inputs: readonly ResolvedInput[],
  run: LocalEmbedRun,
): Promise<EmbedResult> {
  const { signal, onProgress, batchSize } = run;
  const { info, graphs } = model;
  // Only a call with texts loads the tokenizer (and its package).
  const tokenizer = inputs.some((input) => input.kind !== 'image')
    ? await model.tokenizer()
    : undefined;
  const instruction = run.embed.task === 'retrieval.query' ? (info.queryInstruction ?? '') : '';

  const texts: TokenizedText[] = [];
  const images: ImageToEmbed[] = [];
  const truncated: TruncatedInput[] = [];
  let totalTokens = 0;
  const slice = tokenizeSlice(signal, model.tokenizerThread);
  for (let inputIndex = 0; inputIndex < inputs.length; inputIndex++) {
    const input = inputs[inputIndex]!;
    if (input.kind === 'image') {
      images.push({ inputIndex, image: input.image });
      continue;
    }
    const { ids, truncatedFrom, exact } = await encodeText(
      tokenizer!,
      instruction + input.text,
      inputIndex,
      slice,
    );
    if (truncatedFrom !== undefined) {
      truncated.push({ inputIndex, tokens: truncatedFrom, maxTokens: tokenizer!.maxTokens, exact });
    }
    totalTokens += ids.length;
    texts.push({ inputIndex, ids });
  }
  reportTruncation(truncated, run.onTruncation);

  const embeddings: Float32Array[] = new Array(inputs.length);
  let done = 0;
  const store = (inputIndices: readonly number[], vectors: readonly Float32Array[]) => {
    inputIndices.forEach((inputIndex, row) => {
      const vector = vectors[row]!;
      if (vector.length !== info.dimensions) {
        throw new ModelLoadError(
          `The graph of ${model.source} returned ${vector.length}-wide vectors but config.json says ${info.dimensions}.`,
        );
      }
      embeddings[inputIndex] = finishVector(vector, {
        dimensions: run.embed.dimensions,
        normalized: run.normalized,
      });
    });
    done += inputIndices.length;
    onProgress?.(done, inputs.length);
  };

  const imageBatches = planImageBatches(images, batchSize);
  // Stops a prefetch nobody will wait for once the call ends (done, failed or aborted).
  const callEnded = new AbortController();
  const decodeSignal =
    signal === undefined ? callEnded.signal : AbortSignal.any([signal, callEnded.signal]);
  const decode = (index: number) => {
    const batch = imageBatches[index];
    return batch === undefined
      ? undefined
      : prefetch(
          decodeImageBatch(batch, model.imageConfig, run.images, decodeSignal, {
            pool: run.imagePool,
            exact: run.exactImages,
            pixelBuffers: run.pixelBuffers,
          }),
        );
  };
  let nextPixels = decode(0);

  try {
    for (const group of groupTextBatches(texts, batchSize)) {
      signal?.throwIfAborted();
      const batch = padBatch(group, info.padTokenId);
      store(batch.inputIndices, await graphs.embedTexts(batch));
    }
    for (let index = 0; index < imageBatches.length; index++) {
      signal?.throwIfAborted();
      const pixels = await nextPixels!;
      signal?.throwIfAborted();
      nextPixels = decode(index + 1);
      const batch = imageBatches[index]!;
      let vectors: Float32Array[];
      try {
        vectors = await graphs.embedImages(pixels, batch.length);
      } finally {
        // onnxruntime has finished reading the pixels (its run has settled): reusable.
        run.pixelBuffers.give(pixels);
      }
      store(
        batch.map((image) => image.inputIndex),
        vectors,
      );
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  } finally {
    callEnded.abort();
  }
  return { embeddings, usage: { totalTokens } };
}
