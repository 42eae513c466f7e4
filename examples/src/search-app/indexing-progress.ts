import type { JinaClipError } from 'jina-clip-runtime';
import type { DataItem } from '../data-folder.js';
import { type IngestPlan, ingestFolder } from '../ingest-folder.js';

/** One file the indexing skipped, with its typed error (what the page lists). */
export interface IndexingFailure {
  /** The file's id (its path relative to the folder). */
  id: string;
  /** The error class's stable name, such as `ImageLoadError`. */
  name: string;
  /** `ImageLoadError.reason` (such as `undecodable`), or the `field` of an `InvalidInputError`. */
  reason: string | undefined;
  /** The error's message. */
  message: string;
}

/** The indexing's state, as the page's progress panel shows it (sent as one SSE event). */
export interface IndexingState {
  /** `'planning'` reads the table, `'embedding'` runs, `'done'` finished, `'failed'` stopped. */
  phase: 'planning' | 'embedding' | 'done' | 'failed';
  /** Files in the folder. */
  total: number;
  /** Files already in the table when this run started. */
  alreadyIngested: number;
  /** Files handled so far, counting those already in the table (embedded or skipped). */
  done: number;
  /** Files per second over this run. */
  rate: number;
  /** Seconds left at {@link rate}; undefined before the first chunk. */
  etaSeconds: number | undefined;
  /** Files skipped for their own fault. */
  failures: IndexingFailure[];
  /** Rows in the table at the end (`phase: 'done'`). */
  rows: number | undefined;
  /** What stopped the run (`phase: 'failed'`). */
  error: IndexingFailure | undefined;
}

/** A typed error as the page shows it. */
export function describeError(id: string, error: unknown): IndexingFailure {
  const typed = error as Partial<JinaClipError> & { reason?: string; field?: string };
  return {
    id,
    name: typed.name ?? 'Error',
    reason: typed.reason ?? typed.field,
    message: typed.message ?? String(error),
  };
}

/**
 * Runs {@link ingestFolder} in the background and keeps its {@link IndexingState}, telling each
 * listener (the page's event streams) on every change.
 */
export class IndexingProgress {
  #state: IndexingState = {
    phase: 'planning',
    total: 0,
    alreadyIngested: 0,
    done: 0,
    rate: 0,
    etaSeconds: undefined,
    failures: [],
    rows: undefined,
    error: undefined,
  };
  readonly #listeners = new Set<(state: IndexingState) => void>();
  /** Settles when the indexing ends (done or failed). */
  readonly finished: Promise<IndexingState>;

  constructor(
    options: Omit<Parameters<typeof ingestFolder>[0], 'onPlan' | 'onChunk' | 'onSkipped'>,
  ) {
    const started = performance.now();
    const update = (change: Partial<IndexingState>) => {
      this.#state = { ...this.#state, ...change };
      for (const listener of this.#listeners) listener(this.#state);
    };
    this.finished = ingestFolder({
      ...options,
      onPlan: (plan: IngestPlan) =>
        update({
          phase: 'embedding',
          total: plan.total,
          alreadyIngested: plan.alreadyIngested,
          done: plan.alreadyIngested,
        }),
      onChunk: (files) => {
        const done = this.#state.done + files;
        const seconds = (performance.now() - started) / 1000;
        const rate = (done - this.#state.alreadyIngested) / seconds;
        update({
          done,
          rate,
          etaSeconds: rate > 0 ? (this.#state.total - done) / rate : undefined,
        });
      },
      onSkipped: (item: DataItem, error) =>
        update({ failures: [...this.#state.failures, describeError(item.id, error)] }),
    }).then(
      ({ rows }) => {
        update({ phase: 'done', rows, etaSeconds: 0 });
        return this.#state;
      },
      (error: unknown) => {
        update({ phase: 'failed', error: describeError('', error) });
        return this.#state;
      },
    );
  }

  /** The state now. */
  get state(): IndexingState {
    return this.#state;
  }

  /** Calls `listener` on every change until the returned function is called. */
  subscribe(listener: (state: IndexingState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
