import { createReadStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import split from 'split2';
import type { IngestItem } from './ingest-item.js';
import { IngestSettingsError } from './ingest-settings.js';
import { deferredItemId, itemId } from './item-id.js';

/** One line of a manifest: exactly one of `path`, `url` or `text`. */
export type ManifestEntry = { path: string } | { url: string } | { text: string; source?: string };

/** A manifest line that is not an entry: reported with its line number, before anything starts. */
export class ManifestError extends IngestSettingsError {
  /** 1-based. */
  readonly line: number;
  constructor(manifest: string, line: number, message: string) {
    super('--manifest', `${manifest} line ${line}: ${message}`);
    this.line = line;
  }
}

const TEXT_EXTENSIONS = /\.(txt|md)$/i;

/**
 * Longest manifest line, in characters: a path, a URL or an inline text is far shorter (a text
 * longer than 8,192 tokens is cut by the model anyway), and a file with no line break in its first
 * megabytes (a binary, a JSON array) is refused instead of read whole into one string.
 */
export const MAX_MANIFEST_LINE = 1024 * 1024;

function entryOf(manifest: string, line: number, text: string): ManifestEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ManifestError(manifest, line, 'not JSON.');
  }
  const keys =
    typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
  const entry = value as Record<string, unknown>;
  const kinds = ['path', 'url', 'text'].filter((key) => keys.includes(key));
  if (kinds.length !== 1 || typeof entry[kinds[0]!] !== 'string' || entry[kinds[0]!] === '') {
    throw new ManifestError(
      manifest,
      line,
      'each line is {"path": …}, {"url": "http(s)://…"} or {"text": …, "source"?: …}.',
    );
  }
  if (kinds[0] === 'url' && !/^https?:\/\//i.test(entry.url as string)) {
    throw new ManifestError(manifest, line, `only http(s) URLs, got ${JSON.stringify(entry.url)}.`);
  }
  return value as ManifestEntry;
}

/**
 * The items of a JSONL manifest, read as a stream, without reading any file or URL it names: a
 * path (relative to the manifest's folder; a `.txt`/`.md` file is a text, anything else an image)
 * and a URL are `deferred` items, which the workers read (URLs through the runtime's download
 * policy, paths under `INGEST_ROOT`) and key by content as the producer keys a folder's file (a
 * changed object at the same URL is a new row, an unchanged one is not embedded again); an inline
 * text is hashed by content here. Items with the same id (the same inline text, or the same
 * source twice) are one, with the other sources in `copies`.
 */
export async function readManifestItems(manifest: string, model: string): Promise<IngestItem[]> {
  const base = dirname(manifest);
  const items = new Map<string, IngestItem>();
  const lines = createReadStream(manifest).pipe(split({ maxLength: MAX_MANIFEST_LINE }));
  let line = 0;
  const iterator = lines[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<string>;
    try {
      next = await iterator.next();
    } catch (error) {
      if ((error as Error).message !== 'maximum buffer reached') throw error;
      throw new ManifestError(
        manifest,
        line + 1,
        `longer than ${MAX_MANIFEST_LINE.toLocaleString('en-US')} characters (one JSON object a line).`,
      );
    }
    if (next.done) break;
    const text = next.value;
    line += 1;
    // split2 checks only a line still unfinished at a chunk's end; this makes the limit exact.
    if (text.length > MAX_MANIFEST_LINE) {
      throw new ManifestError(
        manifest,
        line,
        `longer than ${MAX_MANIFEST_LINE.toLocaleString('en-US')} characters (one JSON object a line).`,
      );
    }
    if (text.trim() === '') continue;
    const entry = entryOf(manifest, line, text);
    let item: IngestItem;
    if ('text' in entry) {
      item = {
        kind: 'text',
        id: itemId('text', entry.text, model),
        source: entry.source ?? `${manifest}:${line}`,
        text: entry.text,
      };
    } else {
      const source = 'url' in entry ? entry.url : resolve(base, entry.path);
      item = {
        kind: 'deferred',
        id: deferredItemId(source, model),
        source,
        modality: 'path' in entry && TEXT_EXTENSIONS.test(source) ? 'text' : 'image',
      };
    }
    const first = items.get(item.id);
    if (first === undefined) items.set(item.id, item);
    else first.copies = [...(first.copies ?? []), item.source];
  }
  return [...items.values()];
}
