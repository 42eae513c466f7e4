import type { Worker } from 'node:worker_threads';
import { BackendClosedError } from '../errors/backend-closed-error.js';
import { startWorkerThread } from '../start-worker-thread.js';
import { fromWorkerError } from '../worker-error.js';
import { type ImageHeader, loadSharp } from './decode-rgb.js';
import type { ImagePreprocessConfig } from './image-preprocess-config.js';
import type { ImageWorkerReply, ImageWorkerTask } from './image-worker-messages.js';
import { type PreprocessedImage, preprocessImage } from './preprocess-image.js';

interface PendingTask {
  readonly task: ImageWorkerTask;
  readonly resolve: (image: PreprocessedImage) => void;
  readonly reject: (error: unknown) => void;
}

interface PoolThread {
  readonly worker: Worker;
  current: PendingTask | undefined;
  /** Called once the current task has settled, while the pool closes. */
  idle?: (() => void) | undefined;
}

/** Options of {@link ImageWorkerPool.preprocess}. */
export interface PoolPreprocessOptions {
  /** Decode at full size, bit-identical to PIL (no JPEG pre-shrink). @default false */
  readonly exact?: boolean | undefined;
  /** The image's header, when already read (by `admitImage`). @default read in the worker */
  readonly header?: ImageHeader | undefined;
  /** Seconds the decode may take (`imageDecodeTimeout`). @default no limit */
  readonly timeoutSeconds?: number | undefined;
  /**
   * The caller owns the whole ArrayBuffer under `bytes` (never a Buffer from Node's shared
   * pool) and needs none of it any more: transfer that buffer to the worker without a copy.
   * @default false
   */
  readonly transferBytes?: boolean | undefined;
}

/**
 * A pool of worker threads that decode and resample images (sharp, then the PIL-exact
 * resample), so that preprocessing uses more than one core and leaves the main thread free.
 * Each image's encoded bytes are transferred to one worker, which decodes them itself and
 * transfers back only the model-sized pixels: no full-size bitmap crosses threads, and workers
 * share no lock. Threads start on first use and are unref'd while idle (they never keep the
 * process alive); {@link ImageWorkerPool.close} terminates them.
 *
 * With `size` 0 the pool preprocesses inline, in the calling thread.
 */
export class ImageWorkerPool {
  readonly size: number;
  private readonly threads: PoolThread[] = [];
  private readonly queue: PendingTask[] = [];
  private nextId = 0;
  private closed = false;

  constructor(size: number) {
    this.size = size;
  }

  /** Worker threads running now: 0 until the first image, at most `size`, 0 after close. */
  get threadCount(): number {
    return this.threads.length;
  }

  /**
   * Preprocesses `bytes` like {@link preprocessImage}. The bytes go to the worker in a buffer
   * that is transferred, not copied: a copy of them by default, so that the caller's array stays
   * usable; their own buffer with `transferBytes` (it is then detached here).
   *
   * @throws {ModelLoadError} when sharp (an optional peer) is not installed.
   * @throws {BackendClosedError} when the pool was closed before the image was preprocessed.
   */
  async preprocess(
    bytes: Uint8Array,
    config: ImagePreprocessConfig,
    options: PoolPreprocessOptions = {},
  ): Promise<PreprocessedImage> {
    const { exact = false, header, timeoutSeconds } = options;
    if (this.closed) throw new BackendClosedError();
    if (this.size === 0) return preprocessImage(bytes, config, { exact, header, timeoutSeconds });
    // sharp is loaded in the main thread first: a missing peer is a ModelLoadError here, and
    // glibc never unloads libvips while a worker still runs (lovell/sharp#2263).
    await loadSharp();
    if (this.closed) throw new BackendClosedError();
    return new Promise<PreprocessedImage>((resolve, reject) => {
      const task: ImageWorkerTask = {
        id: this.nextId++,
        bytes: options.transferBytes === true ? bytes : new Uint8Array(bytes),
        config,
        exact,
        header,
        timeoutSeconds,
      };
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Rejects the images still queued with BackendClosedError, lets those being decoded finish
   * (terminating a thread inside libvips can bring the process down: lovell/sharp#2263), then
   * terminates the threads.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new BackendClosedError();
    for (const pending of this.queue.splice(0)) pending.reject(error);
    await Promise.all(
      this.threads.map(
        (thread) =>
          new Promise<void>((resolve) => {
            if (thread.current === undefined) resolve();
            else thread.idle = resolve;
          }),
      ),
    );
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      let thread = this.threads.find((candidate) => candidate.current === undefined);
      if (thread === undefined) {
        if (this.threads.length >= this.size) return;
        thread = this.spawn();
      }
      const pending = this.queue.shift()!;
      thread.current = pending;
      thread.worker.ref();
      thread.worker.postMessage(pending.task, [pending.task.bytes.buffer as ArrayBuffer]);
    }
  }

  private spawn(): PoolThread {
    const worker = startWorkerThread(import.meta.url, 'image-worker');
    const thread: PoolThread = { worker, current: undefined };
    this.threads.push(thread);
    const finish = (settle: (pending: PendingTask) => void) => {
      const pending = thread.current;
      thread.current = undefined;
      worker.unref();
      if (pending !== undefined) settle(pending);
      thread.idle?.();
      this.dispatch();
    };
    worker.on('message', (reply: ImageWorkerReply) => {
      finish((pending) => {
        if (reply.error === undefined) {
          pending.resolve(reply.image);
        } else {
          pending.reject(fromWorkerError(reply.error));
        }
      });
    });
    const retire = (error: Error) => {
      // A thread that failed or exited is replaced by the next dispatch.
      const index = this.threads.indexOf(thread);
      if (index >= 0) this.threads.splice(index, 1);
      finish((pending) => pending.reject(error));
    };
    worker.on('error', retire);
    worker.on('exit', (code) => {
      if (!this.closed) retire(new Error(`The image worker thread exited with code ${code}.`));
    });
    return thread;
  }
}
