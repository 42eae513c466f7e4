import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BackendClosedError } from '../errors/backend-closed-error.js';
import { type ImageHeader, loadSharp } from './decode-rgb.js';
import type { ImagePreprocessConfig } from './image-preprocess-config.js';
import type { ImageWorkerReply, ImageWorkerTask } from './image-worker-messages.js';
import { type PreprocessedImage, preprocessImage } from './preprocess-image.js';

/**
 * The folder of this module: `dist/` when built (tsup's shims give the CommonJS build an
 * `import.meta.url`), `src/images/` under vitest.
 */
function moduleFolder(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/** Options that take the next argument as their value, when not written `--option=value`. */
const SCRIPT_OPTIONS = new Set(['-e', '--eval', '-p', '--print', '-pe', '--input-type']);

/**
 * Options of the process that only the process as a whole takes: V8's heap and stack sizes and
 * the process title. A worker refuses them (`ERR_WORKER_INVALID_EXEC_ARGV`: "V8 options (such as
 * `--max-old-space-size`) and options that affect the process are not supported"), so a server
 * started with `node --max-old-space-size=4096` could not start one.
 */
const PROCESS_ONLY_OPTION =
  /^--(max-old-space-size|max-semi-space-size|max-heap-size|stack-size|title)(=|$)/;

/**
 * The process's Node options a worker accepts: the script and its type (`node -e`,
 * `--input-type=module`) belong to the main thread, and a worker refuses `--input-type` and
 * {@link PROCESS_ONLY_OPTION}s.
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const option = argv[index]!;
    if (SCRIPT_OPTIONS.has(option)) index++;
    else if (PROCESS_ONLY_OPTION.test(option)) {
      // `--max-old-space-size 512`: the value is the next argument.
      if (!option.includes('=') && /^\d+$/.test(argv[index + 1] ?? '')) index++;
    } else if (!/^--(input-type|eval|print)=/.test(option)) kept.push(option);
  }
  return kept;
}

/** Starts one worker thread running image-worker: the built file, or the TypeScript source. */
function startWorker(): Worker {
  const folder = moduleFolder();
  const execArgv = workerExecArgv();
  const built = join(folder, 'image-worker.js');
  if (existsSync(built)) return new Worker(built, { execArgv });
  const source = join(folder, 'image-worker.ts');
  if (existsSync(source)) {
    // Running from source (vitest, tsx): tsx, found from this folder, compiles the worker's
    // TypeScript on the fly.
    const tsxPackage = createRequire(source).resolve('tsx/package.json');
    const tsx = join(dirname(tsxPackage), 'dist', 'esm', 'api', 'index.mjs');
    const script = `import(${JSON.stringify(pathToFileURL(tsx).href)}).then(({ tsImport }) => tsImport(${JSON.stringify(pathToFileURL(source).href)}, ${JSON.stringify(pathToFileURL(folder).href + '/')}))`;
    return new Worker(script, { eval: true, execArgv });
  }
  throw new Error(`The image worker file is missing: neither ${built} nor ${source} exists.`);
}

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
    const worker = startWorker();
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
          const error = new Error(reply.error.message);
          error.name = reply.error.name;
          pending.reject(error);
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
