import type { ReadImageBytesOptions } from 'jina-clip-runtime';
import type { JinaClipEmbeddings } from 'langchain-jina-clip';
import { type EmbedItem, embedItemsSettled, isItemError } from './embed-items-settled.js';
import type { IngestItem } from './ingest-item.js';
import type { FailedItem, StoredRow } from './ingest-jobs.js';
import type { SourceRecord } from './ingest-store.js';
import {
  type DeferredItem,
  isTransientReadError,
  readDeferredItems,
} from './read-deferred-items.js';
import { encodeVector } from './vector-codec.js';

/** What {@link embedJobItems} needs besides the items. */
export interface JobItemsContext {
  /** The model the job is for (ids, rows and records carry it). */
  model: string;
  /** The run the job belongs to (records carry it). */
  run: string;
  /** The job's last attempt: a transient error is then recorded instead of thrown. */
  lastAttempt: boolean;
  /** How URLs and paths are read: the backend's image policy. */
  policy: ReadImageBytesOptions;
  /**
   * Which of these content ids the store holds, and its vector width: read content already stored
   * is recorded, not embedded. @default nothing is stored
   */
  lookup?: (ids: string[]) => Promise<{ stored: Set<string>; width: number }>;
  /**
   * Bytes of read content held before it is embedded. A job's 32 images are usually a few MB
   * and go in one call; 32 URLs of 32 MB each would hold 1 GB, so the content is embedded in
   * parts whenever this much is held. @default 67108864 (64 MiB)
   */
  maxHeldBytes?: number;
}

/** What a job's items came to, for its write job. */
export interface JobItemsResult {
  rows: StoredRow[];
  failures: FailedItem[];
  /** A source record per deferred source (its content's id, or its own id when it failed). */
  records: SourceRecord[];
  /** Deferred items' own ids whose earlier failure is now settled (a row, or stored content). */
  clearedFailures: string[];
  /** Deferred items whose content was already stored. */
  alreadyStored: number;
}

/** Deferred sources read at once: the most encoded bytes held beyond `maxHeldBytes`. */
const READ_GROUP = 8;

/** A failure record of `item`, named `error` (a rogue job's, or an item's own). */
export function failedItem(
  item: IngestItem,
  model: string,
  error: string,
  message: string,
): FailedItem {
  const kind = item.kind === 'text' ? 'text' : 'image';
  return { id: item.id, kind, source: item.source, model, error, message };
}

/**
 * The failure record of `item` for `error`. The runtime's "Input N: " counts within this worker's
 * call, meaningless in the run: the record names the item by its source instead.
 */
function failureOf(item: IngestItem, model: string, error: unknown): FailedItem {
  const { name, message } =
    error instanceof Error ? error : { name: 'Error', message: String(error) };
  return failedItem(item, model, name, message.replace(/^Input \d+: /, ''));
}

/**
 * Embeds one job's items: texts and files as they are; a manifest's deferred sources read here
 * (`readDeferredItems`), a group at a time, and keyed by content, whose content already stored is
 * only recorded and whose other sources of one content share its one embedding. Every good vector
 * becomes a row, every item's own error a failure. A transient error (a timeout, the service
 * down, a URL answering 503) is thrown, so that the job is retried, unless this is its last
 * attempt.
 */
export async function embedJobItems(
  embeddings: JinaClipEmbeddings,
  items: readonly IngestItem[],
  context: JobItemsContext,
): Promise<JobItemsResult> {
  const { model, run, lastAttempt } = context;
  const maxHeldBytes = context.maxHeldBytes ?? 64 * 1024 * 1024;
  const result: JobItemsResult = {
    rows: [],
    failures: [],
    records: [],
    clearedFailures: [],
    alreadyStored: 0,
  };
  const recordSource = (item: DeferredItem, id: string, dimensions: number) => {
    for (const source of new Set([item.source, ...(item.copies ?? [])])) {
      result.records.push({ source, id, model, dimensions, run });
    }
  };
  // Per content id being embedded: its deferred sources, and once embedded its outcome.
  const sourcesOf = new Map<string, DeferredItem[]>();
  const outcomes = new Map<string, { width: number } | { error: unknown }>();
  const settleSource = (item: DeferredItem, id: string) => {
    const outcome = outcomes.get(id)!;
    if ('width' in outcome) {
      recordSource(item, id, outcome.width);
      result.clearedFailures.push(item.id);
    } else {
      // Content that cannot be embedded is recorded under each source's own id.
      result.failures.push(failureOf(item, model, outcome.error));
      recordSource(item, item.id, 0);
    }
  };

  let held: EmbedItem[] = [];
  let heldBytes = 0;
  const embedHeld = async () => {
    const batch = held;
    held = [];
    heldBytes = 0;
    for (const settled of batch.length === 0 ? [] : await embedItemsSettled(embeddings, batch)) {
      const { item } = settled;
      const sources = sourcesOf.get(item.id) ?? [];
      if ('vector' in settled) {
        result.rows.push({
          id: item.id,
          kind: item.kind,
          source: item.source,
          text: item.kind === 'text' ? item.text : item.source,
          model,
          vector: encodeVector(settled.vector),
        });
        outcomes.set(item.id, { width: settled.vector.length });
        for (const each of sources) settleSource(each, item.id);
        continue;
      }
      if (!isItemError(settled.error) && !lastAttempt) throw settled.error;
      outcomes.set(item.id, { error: settled.error });
      if (!item.deferred) result.failures.push(failureOf(item, model, settled.error));
      for (const each of sources) settleSource(each, item.id);
    }
  };

  const direct = items.filter((item): item is EmbedItem => item.kind !== 'deferred');
  const embedding = new Set(direct.map((item) => item.id));
  const deferred = items.filter((item): item is DeferredItem => item.kind === 'deferred');
  for (let start = 0; start < deferred.length; start += READ_GROUP) {
    const read = await readDeferredItems(
      deferred.slice(start, start + READ_GROUP),
      model,
      context.policy,
    );
    const contents: Extract<(typeof read)[number], { bytes: Uint8Array }>[] = [];
    for (const each of read) {
      if ('bytes' in each) {
        contents.push(each);
        continue;
      }
      if (isTransientReadError(each.item, each.error) && !lastAttempt) throw each.error;
      result.failures.push(failureOf(each.item, model, each.error));
      recordSource(each.item, each.item.id, 0);
    }
    const { stored, width } =
      contents.length > 0 && context.lookup !== undefined
        ? await context.lookup([...new Set(contents.map((each) => each.id))])
        : { stored: new Set<string>(), width: 0 };
    for (const { item, id, bytes, text } of contents) {
      if (stored.has(id)) {
        recordSource(item, id, width);
        result.clearedFailures.push(item.id);
        result.alreadyStored += 1;
        continue;
      }
      // Another source of content embedded in an earlier part: settled as that was.
      if (outcomes.has(id)) {
        settleSource(item, id);
        continue;
      }
      sourcesOf.set(id, [...(sourcesOf.get(id) ?? []), item]);
      if (embedding.has(id)) continue;
      embedding.add(id);
      held.push(
        text === undefined
          ? { kind: 'image', id, source: item.source, bytes, deferred: true }
          : { kind: 'text', id, source: item.source, text, deferred: true },
      );
      heldBytes += bytes.byteLength;
    }
    if (heldBytes >= maxHeldBytes) await embedHeld();
  }
  held.push(...direct);
  await embedHeld();
  return result;
}
