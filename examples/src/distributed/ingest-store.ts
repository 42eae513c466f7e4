import { type Connection, connect, Index, type Table } from '@lancedb/lancedb';
import type { FailedItem, StoredRow } from './ingest-jobs.js';
import { decodeVector } from './vector-codec.js';

/** A row as read back from the vector table. */
export interface ReadRow {
  id: string;
  kind: string;
  source: string;
  text: string;
  model: string;
  vector: Float32Array;
}

/**
 * Rows that do not fit the table: a vector of another width, or another model than the table's.
 * Never written (LanceDB would cut a 768-wide vector to a 16-wide column's first 16 components).
 */
export class StoreMismatchError extends Error {
  override readonly name = 'StoreMismatchError';
  /** What the table holds: `<model>, <width> wide`. */
  readonly expected: string;
  /** What the rows carry. */
  readonly actual: string;
  constructor(table: string, expected: string, actual: string) {
    super(
      `table "${table}" holds ${expected}, these rows are ${actual}: use another INGEST_TABLE (or JINA_CLIP_LANCEDB) for this model`,
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * What the store records of one source (a path, a URL, an inline text's name): the record manager
 * of LangChain's `index()`, in the `<table>_records` table, one row per source.
 */
export interface SourceRecord {
  /** The path, URL or name: the key. */
  source: string;
  /** Its item id when last seen: the SHA-256 of the model, its kind and its content (`itemId`). */
  id: string;
  /** The model it was embedded (or failed) with. */
  model: string;
  /** The vector table's width; 0 for a recorded failure. */
  dimensions: number;
  /** The run that last saw this source (its id, which starts with the time it started). */
  run: string;
}

/** What a cleanup deleted. */
export interface CleanupResult {
  rows: number;
  failures: number;
}

function recordOf(row: Record<string, unknown>): SourceRecord {
  return {
    source: String(row.source),
    id: String(row.id),
    model: String(row.model),
    dimensions: Number(row.dimensions),
    run: String(row.run),
  };
}

function quoted(ids: readonly string[]): string {
  // Ids are hex digests, sources paths and URLs: a quote is doubled, as SQL escapes it.
  return ids.map((id) => `'${id.replaceAll("'", "''")}'`).join(', ');
}

/** Ids per `IN (…)` filter: keeps each filter a few tens of kilobytes. */
const FILTER_IDS = 1000;

/**
 * The run's LanceDB store: the vector table and the `<table>_failures` table, both written by
 * upsert on `id` (LanceDB's merge-insert), so a job written twice leaves one row per item. One
 * process (the store writer) writes; see the README for why not every worker. The vector table
 * has a BTREE index on `id`, which keeps merge-insert fast as the table grows.
 */
export class IngestStore {
  readonly #database: Connection;
  readonly #tableName: string;
  /** The table's model and vector width, once known. */
  #shape: { model: string; width: number } | undefined;

  private constructor(database: Connection, tableName: string) {
    this.#database = database;
    this.#tableName = tableName;
  }

  /**
   * Connects to the store at `databaseDirectory` (a folder, or a cloud URI LanceDB accepts, such
   * as `s3://bucket/path` with its credentials in `storageOptions`).
   */
  static async open(
    databaseDirectory: string,
    tableName: string,
    storageOptions?: Record<string, string>,
  ): Promise<IngestStore> {
    return new IngestStore(
      await connect(databaseDirectory, storageOptions === undefined ? {} : { storageOptions }),
      tableName,
    );
  }

  get #failuresName(): string {
    return `${this.#tableName}_failures`;
  }

  get #recordsName(): string {
    return `${this.#tableName}_records`;
  }

  async #table(name: string): Promise<Table | undefined> {
    if (!(await this.#database.tableNames()).includes(name)) return undefined;
    try {
      return await this.#database.openTable(name);
    } catch (error) {
      // Another process is creating it: LanceDB lists a table's folder before its first version
      // is committed, and opening it then fails with "was not found". Not there yet.
      if (error instanceof Error && error.message.includes('was not found')) return undefined;
      throw error;
    }
  }

  async #upsert(name: string, rows: Record<string, unknown>[], key = 'id'): Promise<Table> {
    const table = await this.#table(name);
    if (table === undefined) {
      const created = await this.#database.createTable(name, rows);
      await created.createIndex(key, { config: Index.btree() });
      return created;
    }
    await table.mergeInsert(key).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows);
    return table;
  }

  /** The vector table's model and width, read once (undefined while the table does not exist). */
  async shape(): Promise<{ model: string; width: number } | undefined> {
    if (this.#shape !== undefined) return this.#shape;
    // A table being created by this writer's own first write is listed before it can be opened:
    // not there yet, then.
    const table = await this.#table(this.#tableName).catch(() => undefined);
    if (table === undefined) return undefined;
    const schema = await table.schema();
    const vector = schema.fields.find((field) => field.name === 'vector');
    const width = (vector?.type as { listSize?: number } | undefined)?.listSize ?? -1;
    const [first] = schema.fields.some((field) => field.name === 'model')
      ? await table.query().select(['model']).limit(1).toArray()
      : [];
    this.#shape = { model: first === undefined ? '(no model column)' : String(first.model), width };
    return this.#shape;
  }

  /**
   * Throws {@link StoreMismatchError} unless every row is of one model and width, and the table
   * (if it exists) holds that model at that width.
   */
  async checkRows(rows: readonly StoredRow[]): Promise<void> {
    if (rows.length === 0) return;
    const describe = (model: string, width: number) => `${model}, ${width} wide`;
    const first = rows[0]!;
    const width = decodeVector(first.vector).length;
    for (const row of rows) {
      const each = decodeVector(row.vector).length;
      if (row.model !== first.model || each !== width) {
        throw new StoreMismatchError(
          this.#tableName,
          describe(first.model, width),
          describe(row.model, each),
        );
      }
    }
    const shape = await this.shape();
    if (shape !== undefined && (shape.model !== first.model || shape.width !== width)) {
      throw new StoreMismatchError(
        this.#tableName,
        describe(shape.model, shape.width),
        describe(first.model, width),
      );
    }
  }

  /**
   * Upserts rows by id (after {@link checkRows}); an item that now has a row is no longer recorded
   * as failed. Rows with the same id in one call: the last one wins.
   */
  async upsertRows(rows: readonly StoredRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.checkRows(rows);
    const unique = new Map(rows.map((row) => [row.id, row]));
    await this.#upsert(
      this.#tableName,
      [...unique.values()].map((row) => ({ ...row, vector: Array.from(decodeVector(row.vector)) })),
    );
    await this.forgetFailures([...unique.keys()]);
  }

  /** Which of `ids` have a row (a worker skips a fetched URL whose content is stored). */
  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const table = ids.length === 0 ? undefined : await this.#table(this.#tableName);
    for (let start = 0; table !== undefined && start < ids.length; start += FILTER_IDS) {
      const rows = await table
        .query()
        .where(`id IN (${quoted(ids.slice(start, start + FILTER_IDS))})`)
        .select(['id'])
        .toArray();
      for (const row of rows as { id: unknown }[]) found.add(String(row.id));
    }
    return found;
  }

  /** Deletes the recorded failures of `ids` (a URL that failed before and now has a row). */
  async forgetFailures(ids: readonly string[]): Promise<void> {
    const table = ids.length === 0 ? undefined : await this.#table(this.#failuresName);
    for (let start = 0; table !== undefined && start < ids.length; start += FILTER_IDS) {
      await table.delete(`id IN (${quoted(ids.slice(start, start + FILTER_IDS))})`);
    }
  }

  /** Upserts failed items by id. */
  async recordFailures(failures: readonly FailedItem[]): Promise<void> {
    if (failures.length === 0) return;
    const unique = new Map(failures.map((failure) => [failure.id, { ...failure }]));
    await this.#upsert(this.#failuresName, [...unique.values()]);
  }

  /**
   * Records `records` by source (upsert: a source seen again gets its current id and run). Only
   * the store writer calls it: LanceDB merge-inserts of one key from two processes at once both
   * insert (`npm run bench:distributed`: 3 writers, 6,400 ids, 6,896 rows), so records sent by two
   * producers at once go through the writer's one queue.
   */
  async recordSources(records: readonly SourceRecord[]): Promise<void> {
    if (records.length === 0) return;
    const unique = new Map(records.map((record) => [record.source, { ...record }]));
    await this.#upsert(this.#recordsName, [...unique.values()], 'source');
  }

  /** Every source record. */
  async readRecords(): Promise<SourceRecord[]> {
    return (
      await this.#readColumn(this.#recordsName, ['source', 'id', 'model', 'dimensions', 'run'])
    ).map(recordOf);
  }

  /** Deletes the records of sources that `run` did not see (`full` cleanup: deleted files). */
  async forgetSourcesNotSeenBy(run: string): Promise<number> {
    const table = await this.#table(this.#recordsName);
    if (table === undefined) return 0;
    const before = await table.countRows();
    await table.delete(`run != '${run.replaceAll("'", "''")}'`);
    return before - (await table.countRows());
  }

  /**
   * Compacts small fragments into large ones, drops old versions, and folds new rows into the
   * `id` index: each merge-insert adds a version and a fragment, which slow every later one.
   */
  async optimize(): Promise<void> {
    const olderThan = new Date(Date.now() - 60_000);
    for (const name of [this.#tableName, this.#failuresName]) {
      await (await this.#table(name))?.optimize({ cleanupOlderThan: olderThan });
    }
  }

  /**
   * Calls `visit` with `columns` of every row of table `name`, a record batch at a time: at 10M
   * rows, `toArray()` would first build 10M objects (the producer's peak memory, measured in
   * `npm run bench:distributed`).
   */
  async #scan(name: string, columns: string[], visit: (values: unknown[]) => void): Promise<void> {
    const table = await this.#table(name);
    if (table === undefined) return;
    for await (const batch of table.query().select(columns)) {
      const vectors = columns.map((column) => batch.getChild(column));
      for (let index = 0; index < batch.numRows; index += 1) {
        visit(vectors.map((vector) => vector?.get(index)));
      }
    }
  }

  async #readColumn(name: string, columns: string[]): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    await this.#scan(name, columns, (values) => {
      rows.push(Object.fromEntries(columns.map((column, index) => [column, values[index]])));
    });
    return rows;
  }

  async #readIds(name: string): Promise<Set<string>> {
    const ids = new Set<string>();
    await this.#scan(name, ['id'], ([id]) => ids.add(String(id)));
    return ids;
  }

  /** The id of every row: what is written. */
  readRowIds(): Promise<Set<string>> {
    return this.#readIds(this.#tableName);
  }

  /** The id of every recorded failure. */
  readFailureIds(): Promise<Set<string>> {
    return this.#readIds(this.#failuresName);
  }

  /** The records of `sources` (those recorded), by source. */
  async recordsOf(sources: readonly string[]): Promise<Map<string, SourceRecord>> {
    const found = new Map<string, SourceRecord>();
    const table = sources.length === 0 ? undefined : await this.#table(this.#recordsName);
    for (let start = 0; table !== undefined && start < sources.length; start += FILTER_IDS) {
      const rows = await table
        .query()
        .where(`source IN (${quoted(sources.slice(start, start + FILTER_IDS))})`)
        .select(['source', 'id', 'model', 'dimensions', 'run'])
        .toArray();
      for (const row of rows as Record<string, unknown>[]) {
        const record = recordOf(row);
        found.set(record.source, record);
      }
    }
    return found;
  }

  /** The id and source of every row (the record of what is written). */
  async readRowKeys(): Promise<{ id: string; source: string }[]> {
    return (await this.#readColumn(this.#tableName, ['id', 'source'])).map((row) => ({
      id: String(row.id),
      source: String(row.source),
    }));
  }

  /** The id and source of every recorded failure. */
  async readFailureKeys(): Promise<{ id: string; source: string }[]> {
    return (await this.#readColumn(this.#failuresName, ['id', 'source'])).map((row) => ({
      id: String(row.id),
      source: String(row.source),
    }));
  }

  /**
   * Deletes what no longer stands for a current item: rows and failures whose id is not in
   * `keep`; with `sources`, only those of these sources (`incremental`: files rewritten or
   * fixed), and those whose id the records last gave one of these sources (a rewritten copy
   * whose row names another, deleted path); without (`full`): every other (deleted files too).
   */
  async deleteStale(
    keep: ReadonlySet<string>,
    sources?: ReadonlySet<string>,
  ): Promise<CleanupResult> {
    const deleted: CleanupResult = { rows: 0, failures: 0 };
    const recorded = new Set(
      (await this.readRecords())
        .filter((record) => sources?.has(record.source))
        .map((record) => record.id),
    );
    const stale = (keys: { id: string; source: string }[]) =>
      keys
        .filter(
          (key) =>
            !keep.has(key.id) &&
            (sources === undefined || sources.has(key.source) || recorded.has(key.id)),
        )
        .map((key) => key.id);
    for (const [name, keys, field] of [
      [this.#tableName, await this.readRowKeys(), 'rows'],
      [this.#failuresName, await this.readFailureKeys(), 'failures'],
    ] as const) {
      const ids = stale(keys);
      const table = ids.length === 0 ? undefined : await this.#table(name);
      for (let start = 0; table !== undefined && start < ids.length; start += FILTER_IDS) {
        await table.delete(`id IN (${quoted(ids.slice(start, start + FILTER_IDS))})`);
      }
      deleted[field] = ids.length;
    }
    return deleted;
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
      model: String(row.model),
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
      model: String(row.model),
      error: String(row.error),
      message: String(row.message),
    }));
  }

  /** Releases the connection. */
  close(): void {
    this.#database.close();
  }
}
