import { type Connection, connect, type Table } from '@lancedb/lancedb';
import type { FailedItem, StoredRow } from './ingest-jobs.js';
import { decodeVector } from './vector-codec.js';

/** A row as read back from the vector table. */
export interface ReadRow {
  id: string;
  kind: string;
  source: string;
  text: string;
  vector: Float32Array;
}

function quoted(ids: readonly string[]): string {
  // Ids are hex digests; quoting still keeps a stray quote from breaking the filter.
  return ids.map((id) => `'${id.replaceAll("'", "''")}'`).join(', ');
}

/**
 * The run's LanceDB store: the vector table and the `<table>_failures` table, both written by
 * upsert on `id` (LanceDB's merge-insert), so a job written twice leaves one row per item. One
 * process (the store writer) writes; see the README for why not every worker.
 */
export class IngestStore {
  readonly #database: Connection;
  readonly #tableName: string;

  private constructor(database: Connection, tableName: string) {
    this.#database = database;
    this.#tableName = tableName;
  }

  /** Connects to the store at `databaseDirectory` (a folder, or a cloud URI LanceDB accepts). */
  static async open(databaseDirectory: string, tableName: string): Promise<IngestStore> {
    return new IngestStore(await connect(databaseDirectory), tableName);
  }

  get #failuresName(): string {
    return `${this.#tableName}_failures`;
  }

  async #table(name: string): Promise<Table | undefined> {
    return (await this.#database.tableNames()).includes(name)
      ? this.#database.openTable(name)
      : undefined;
  }

  async #upsert(name: string, rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const table = await this.#table(name);
    if (table === undefined) {
      await this.#database.createTable(name, rows);
      return;
    }
    await table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows);
  }

  /** Upserts rows by id; an item that now has a row is no longer recorded as failed. */
  async upsertRows(rows: readonly StoredRow[]): Promise<void> {
    await this.#upsert(
      this.#tableName,
      rows.map((row) => ({ ...row, vector: Array.from(decodeVector(row.vector)) })),
    );
    const failures = rows.length === 0 ? undefined : await this.#table(this.#failuresName);
    await failures?.delete(`id IN (${quoted(rows.map((row) => row.id))})`);
  }

  /** Upserts failed items by id. */
  async recordFailures(failures: readonly FailedItem[]): Promise<void> {
    await this.#upsert(
      this.#failuresName,
      failures.map((failure) => ({ ...failure })),
    );
  }

  /** Every row of the vector table. */
  async readRows(): Promise<ReadRow[]> {
    const table = await this.#table(this.#tableName);
    if (table === undefined) return [];
    const rows = await table.query().toArray();
    return rows.map((row: Record<string, unknown>) => ({
      id: String(row.id),
      kind: String(row.kind),
      source: String(row.source),
      text: String(row.text),
      vector: Float32Array.from(row.vector as Iterable<number>),
    }));
  }

  /** Rows in the vector table. */
  async countRows(): Promise<number> {
    return (await this.#table(this.#tableName))?.countRows() ?? 0;
  }

  /** Every recorded failure. */
  async readFailures(): Promise<FailedItem[]> {
    const table = await this.#table(this.#failuresName);
    if (table === undefined) return [];
    return (await table.query().toArray()).map((row: Record<string, unknown>) => ({
      id: String(row.id),
      kind: row.kind as FailedItem['kind'],
      source: String(row.source),
      error: String(row.error),
      message: String(row.message),
    }));
  }

  /** Releases the connection. */
  close(): void {
    this.#database.close();
  }
}
