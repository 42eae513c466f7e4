import type { IngestItem } from './ingest-item.js';

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

/** A write job: one embed job's rows and failures, for the store writer. */
export interface WriteJobData {
  embedJobId: string;
  run: string;
  store: string;
  rows: StoredRow[];
  failures: FailedItem[];
}

/** What a write job returns. */
export interface WriteJobResult {
  embedJobId: string;
  run: string;
  rows: number;
  failures: number;
}
