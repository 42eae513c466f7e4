import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { IngestItem } from './ingest-item.js';
import { IngestSettingsError } from './ingest-settings.js';
import { itemId, urlItemId } from './item-id.js';

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
 * The items of a JSONL manifest, read as a stream: a path (relative to the manifest's folder; a
 * `.txt`/`.md` file is a text, anything else an image) is hashed by content like a folder's file;
 * a URL is left for the workers, which fetch it through the runtime's download policy and key its
 * row by the bytes they get (a changed object at the same URL is a new row, an unchanged one is
 * not embedded again); an inline text is hashed by content. Items with the same id (the same
 * content, or the same URL twice) are one, with the other sources in `copies`.
 */
export async function readManifestItems(manifest: string, model: string): Promise<IngestItem[]> {
  const base = dirname(manifest);
  const items = new Map<string, IngestItem>();
  const lines = createInterface({
    input: createReadStream(manifest),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    const entry = entryOf(manifest, line, text);
    let item: IngestItem;
    if ('url' in entry) {
      item = { kind: 'url', id: urlItemId(entry.url, model), source: entry.url };
    } else if ('path' in entry) {
      const path = resolve(base, entry.path);
      const content = await readFile(path).catch((cause: NodeJS.ErrnoException) => {
        throw new ManifestError(
          manifest,
          line,
          `cannot read ${path}: ${cause.code ?? cause.message}.`,
        );
      });
      item = TEXT_EXTENSIONS.test(path)
        ? {
            kind: 'text',
            id: itemId('text', content.toString('utf8').trim(), model),
            source: path,
            text: content.toString('utf8').trim(),
          }
        : { kind: 'image', id: itemId('image', content, model), source: path };
    } else {
      item = {
        kind: 'text',
        id: itemId('text', entry.text, model),
        source: entry.source ?? `${manifest}:${line}`,
        text: entry.text,
      };
    }
    const first = items.get(item.id);
    if (first === undefined) items.set(item.id, item);
    else first.copies = [...(first.copies ?? []), item.source];
  }
  return [...items.values()];
}
