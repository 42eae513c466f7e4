import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MANIFEST_LINE, ManifestError, readManifestItems } from './ingest-manifest.js';
import { deferredItemId, itemId } from './item-id.js';

const MODEL = 'jina-clip-v1';
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'jina-clip-manifest-'));
});

afterAll(async () => {
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

async function manifestOf(text: string): Promise<string> {
  const path = join(folder, `m-${Math.random().toString(36).slice(2)}.jsonl`);
  await writeFile(path, text);
  return path;
}

async function errorOf(promise: Promise<unknown>): Promise<ManifestError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ManifestError);
  return error as ManifestError;
}

describe('readManifestItems', () => {
  it('reads paths and URLs as deferred items without touching them, texts by content, over CRLF and blank lines', async () => {
    const manifest = await manifestOf(
      [
        '{"path":"photos/missing.jpg"}',
        '',
        '{"url":"https://example.com/a.png"}',
        '{"path":"notes/one.md"}',
        '{"text":"An inline caption.","source":"caption-1"}',
        '{"url":"https://example.com/a.png"}',
        '{"text":"Unnamed."}',
      ].join('\r\n'),
    );
    const items = await readManifestItems(manifest, MODEL);
    const photo = join(folder, 'photos', 'missing.jpg');
    const note = join(folder, 'notes', 'one.md');
    expect(items).toEqual([
      { kind: 'deferred', id: deferredItemId(photo, MODEL), source: photo, modality: 'image' },
      {
        kind: 'deferred',
        id: deferredItemId('https://example.com/a.png', MODEL),
        source: 'https://example.com/a.png',
        modality: 'image',
        copies: ['https://example.com/a.png'],
      },
      { kind: 'deferred', id: deferredItemId(note, MODEL), source: note, modality: 'text' },
      {
        kind: 'text',
        id: itemId('text', 'An inline caption.', MODEL),
        source: 'caption-1',
        text: 'An inline caption.',
      },
      {
        kind: 'text',
        id: itemId('text', 'Unnamed.', MODEL),
        source: `${manifest}:7`,
        text: 'Unnamed.',
      },
    ]);
  });

  it('names the line of a bad entry, counting blank lines', async () => {
    const manifest = await manifestOf('{"text":"fine"}\n\n{"url":"ftp://x/y.png"}\n');
    const error = await errorOf(readManifestItems(manifest, MODEL));
    expect(error.line).toBe(3);
    expect(error.message).toBe(`${manifest} line 3: only http(s) URLs, got "ftp://x/y.png".`);
  });

  it('refuses a line longer than MAX_MANIFEST_LINE without holding the file in one string', async () => {
    // Just over the limit (ended within the next chunk), and far over it (no line break at all).
    for (const long of [
      JSON.stringify({ text: 'x'.repeat(MAX_MANIFEST_LINE) }),
      'x'.repeat(8 * MAX_MANIFEST_LINE),
    ]) {
      const manifest = await manifestOf(`{"text":"fine"}\n\n${long}\n{"text":"after"}\n`);
      const error = await errorOf(readManifestItems(manifest, MODEL));
      expect([error.line, error.message]).toEqual([
        3,
        `${manifest} line 3: longer than 1,048,576 characters (one JSON object a line).`,
      ]);
    }
    // A line just under the limit is read.
    const fits = JSON.stringify({ text: 'y'.repeat(MAX_MANIFEST_LINE - 20) });
    const items = await readManifestItems(await manifestOf(`${fits}\n`), MODEL);
    expect(items).toHaveLength(1);
  });

  it('refuses an endless line (a device, a FIFO) within a 64 MB heap and seconds, in a capped child', async () => {
    // readline kept the whole line: V8's out-of-memory abort (exit 134) at this heap size.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        '--max-old-space-size=64',
        '--input-type=module',
        '-e',
        `import { readManifestItems } from './src/distributed/ingest-manifest.ts';
         try { await readManifestItems('/dev/zero', 'jina-clip-v1'); console.log('read'); }
         catch (error) { console.log(error.message); }`,
      ],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 30_000 },
    );
    expect(stdout.trim()).toBe(
      '/dev/zero line 1: longer than 1,048,576 characters (one JSON object a line).',
    );
  });
});
