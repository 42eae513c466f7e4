import type { WriteJobData } from './ingest-jobs.js';
import type { IngestStore } from './ingest-store.js';

/** Options of {@link WriteBatcher}. */
export interface WriteBatcherOptions {
  /** Rows that trigger a write at once. @default 4096 */
  maxRows?: number;
  /** How long the first waiting job waits for others to join its write. @default 100 */
  delayMs?: number;
  /** Writes between two `optimize()` calls (compaction, index update). @default 50 */
  optimizeEvery?: number;
}

/** What one write job asks to write. */
export type WriteContent = Pick<WriteJobData, 'rows' | 'failures' | 'records' | 'clearedFailures'>;

interface Pending extends WriteContent {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces many write jobs into one large merge-insert: each merge-insert makes a LanceDB version
 * and a fragment, so 32-row writes slow down as the table grows (issue: 20 rows/s at 300k rows);
 * a few thousand rows per write, an index on `id` and periodic compaction keep the writer fast.
 * Writes run one at a time in this one process, so they cannot race each other. A job's promise
 * settles when the write holding its rows does: a failed write fails every job in it (each is
 * retried by BullMQ on its own).
 */
export class WriteBatcher {
  readonly #store: IngestStore;
  readonly #maxRows: number;
  readonly #delayMs: number;
  readonly #optimizeEvery: number;
  #pending: Pending[] = [];
  #pendingRows = 0;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #writes = 0;

  constructor(store: IngestStore, options: WriteBatcherOptions = {}) {
    this.#store = store;
    this.#maxRows = options.maxRows ?? 4096;
    this.#delayMs = options.delayMs ?? 100;
    this.#optimizeEvery = options.optimizeEvery ?? 50;
  }

  /** Resolves once `content` is written (with other jobs' in one write). */
  write(content: WriteContent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ ...content, resolve, reject });
      this.#pendingRows +=
        content.rows.length + content.failures.length + (content.records?.length ?? 0);
      if (this.#pendingRows >= this.#maxRows) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.#delayMs);
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingRows = 0;
    if (batch.length === 0) return;
    this.#chain = this.#chain.then(async () => {
      try {
        await this.#store.upsertRows(batch.flatMap((each) => each.rows));
        await this.#store.recordFailures(batch.flatMap((each) => each.failures));
        await this.#store.forgetFailures(batch.flatMap((each) => each.clearedFailures ?? []));
        await this.#store.recordSources(batch.flatMap((each) => each.records ?? []));
        this.#writes += 1;
        if (this.#writes % this.#optimizeEvery === 0) await this.#store.optimize();
        for (const each of batch) each.resolve();
      } catch (error) {
        for (const each of batch) each.reject(error);
      }
    });
  }

  /** Waits for every write started. */
  async drain(): Promise<void> {
    this.#flush();
    await this.#chain;
  }
}
