import type { Worker } from 'node:worker_threads';
import { BackendClosedError } from '../errors/backend-closed-error.js';
import { startWorkerThread } from '../start-worker-thread.js';
import { fromWorkerError } from '../worker-error.js';
import type { TextEncoding } from './text-tokenizer.js';
import type {
  TokenizerWorkerData,
  TokenizerWorkerReply,
  TokenizerWorkerTask,
} from './tokenizer-worker-messages.js';

/**
 * Shortest text, in UTF-16 code units, that is tokenized in the tokenizer thread rather than
 * inline. One tokenizer call cannot be split (see `encodeBoundedPrefixSteps`), and a v2 text
 * without whitespace of up to 65,536 characters is one call: about a second on the main thread.
 * A shorter text stays inline, where it costs little (8,192 characters without whitespace take
 * about 8 ms on the tiny v2 tokenizer, 16,384 about 21 ms), so the common case pays nothing.
 */
export const TOKENIZER_THREAD_MIN_CHARACTERS = 8192;

interface PendingEncoding {
  readonly resolve: (encoding: TextEncoding) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One worker thread that tokenizes long texts for a backend, with the same tokenizer (same
 * `tokenizer.json`, same library, same code: `loadTextTokenizer`) as the main thread, so the ids
 * are the same and the main thread's event loop keeps turning during a call that would stall it.
 * The thread starts on the first text, is unref'd while idle (it never keeps the process alive),
 * and is terminated by an abort that leaves it no other text (it starts again with the next) and
 * by {@link TokenizerThread.close}.
 */
export class TokenizerThread {
  private readonly data: TokenizerWorkerData;
  private worker: Worker | undefined;
  private readonly pending = new Map<number, PendingEncoding>();
  private nextId = 0;
  private closed = false;

  constructor(data: TokenizerWorkerData) {
    this.data = data;
  }

  /** Whether the worker thread runs now: false until the first text, and after close. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Tokenizes `text` in the thread, as `TextTokenizer.encode` does inline.
   *
   * @throws the signal's reason as soon as `signal` aborts (the thread is terminated when it has
   *   no other text to tokenize).
   * @throws {BackendClosedError} when the thread was closed before the text was tokenized.
   * @throws {Error} with the name and message of what the tokenizer threw in the thread, or when
   *   the thread failed or exited.
   */
  encode(text: string, signal?: AbortSignal): Promise<TextEncoding> {
    if (this.closed) return Promise.reject(new BackendClosedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<TextEncoding>((resolve, reject) => {
      const onAbort = () => {
        this.settle(id)?.reject(signal!.reason);
        // Nothing else waits for this thread: stop the work nobody will read.
        if (this.pending.size === 0 && this.worker === worker) void this.stop();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (encoding) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(encoding);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      worker.ref();
      worker.postMessage({ id, text } satisfies TokenizerWorkerTask);
    });
  }

  /** Rejects every text still pending with a {@link BackendClosedError} and terminates the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new BackendClosedError());
    await this.stop();
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = startWorkerThread(import.meta.url, 'tokenizer-worker', {
      workerData: this.data,
    });
    worker.unref();
    this.worker = worker;
    worker.on('message', (reply: TokenizerWorkerReply) => {
      const pending = this.settle(reply.id);
      if (pending === undefined) return;
      if (reply.error === undefined) {
        pending.resolve(reply.encoding);
      } else {
        pending.reject(fromWorkerError(reply.error));
      }
    });
    const retire = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(error);
    };
    worker.on('error', retire);
    worker.on('exit', (code) => {
      retire(new Error(`The tokenizer thread exited with code ${code}.`));
    });
    return worker;
  }

  /** Takes a pending text off the list (undefined when it has settled already). */
  private settle(id: number): PendingEncoding | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    return pending;
  }

  private failAll(error: unknown): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const pending of all) pending.reject(error);
  }

  private async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}
