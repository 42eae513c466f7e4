import type { IngestItem } from './ingest-item.js';

/** An embed job: a few items for one worker. */
export interface EmbedJobData {
  items: IngestItem[];
}

/** What an embed job returns (its queue events carry it): how many items it settled. */
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
  /** The vector, encoded by `encodeVector`. */
  vector: string;
}

/** An item that failed every attempt, with its typed error. */
export interface FailedItem {
  id: string;
  kind: 'text' | 'image';
  source: string;
  /** The error's `name`, e.g. `ImageLoadError`. */
  error: string;
  message: string;
}

/** A write job: one embed job's rows and failures, for the store writer. */
export interface WriteJobData {
  embedJobId: string;
  rows: StoredRow[];
  failures: FailedItem[];
}
