import type { IngestItem } from './ingest-item.js';
import type { SourceRecord } from './ingest-store.js';

/** An embed job: a few items for one worker, with the run and the store they belong to. */
export interface EmbedJobData {
  /** The producer's run id (`run-<time>-<random>`): totals are counted per run. */
  run: string;
  /** The store's identity (`storeIdentity`): a writer of another store refuses the job. */
  store: string;
  /** The model the items' ids are keyed by; a worker on another model refuses the job. */
  model: string;
  items: IngestItem[];
}

/** What an embed job returns: how many items it settled. */
export interface EmbedJobResult {
  items: number;
  embedded: number;
  failed: number;
  /** Manifest URLs whose fetched content was already stored: recorded, not embedded. */
  alreadyStored: number;
}

/** A row of the vector table. */
export interface StoredRow {
  id: string;
  kind: 'text' | 'image';
  /** The file the item came from. */
  source: string;
  /** The text, or the image's path: LangChain's LanceDB layout (`vector`, `text`, metadata). */
  text: string;
  /** The model that embedded it. */
  model: string;
  /** The vector, encoded by `encodeVector` (little-endian float32, base64). */
  vector: string;
}

/** An item that failed every attempt, with its typed error. */
export interface FailedItem {
  id: string;
  kind: 'text' | 'image';
  source: string;
  /** The model it was meant for. */
  model: string;
  /** The error's `name`, e.g. `ImageLoadError`. */
  error: string;
  message: string;
}

/**
 * A write job for the store writer: one embed job's rows and failures, or a producer's source
 * records. The writer is the one process that writes the vector, failures and records tables.
 */
export interface WriteJobData {
  /** The embed job this write belongs to, or `records-<run>-<n>` for a producer's records. */
  embedJobId: string;
  run: string;
  store: string;
  rows: StoredRow[];
  failures: FailedItem[];
  /**
   * Source records to upsert (the record manager): a manifest URL's, written by the worker that
   * fetched it (only it knows the content's id), and every source of a run, sent by its producer
   * once the run settled. Through the writer, so two producers at once never write one source
   * twice (concurrent LanceDB merge-inserts of one key both insert). @default none
   */
  records?: SourceRecord[];
  /**
   * Failure ids to delete: a manifest URL recorded as failed under its URL's id that now has a
   * row (or whose content was already stored). @default none
   */
  clearedFailures?: string[];
  /** How many items the job settled (two URLs of one content make one row). @default rows + failures */
  items?: number;
}

/** What a write job returns. */
export interface WriteJobResult {
  embedJobId: string;
  run: string;
  rows: number;
  failures: number;
  /** Items settled: rows, failures, and URLs whose content was already stored. */
  items: number;
}
