import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readIngestItems } from './ingest-item.js';
import { itemId } from './item-id.js';
import { decodeVector, encodeVector } from './vector-codec.js';

describe('itemId', () => {
  it('is the first 32 hex digits of SHA-256 over the model, the kind and the content, NUL-separated', () => {
    // printf 'jina-clip-v1\0text\0hello' | sha256sum
    expect(itemId('text', 'hello', 'jina-clip-v1')).toBe('252edc3ea75620c023feba49c6e54a4c');
    expect(itemId('image', new TextEncoder().encode('hello'), 'jina-clip-v1')).not.toBe(
      itemId('text', 'hello', 'jina-clip-v1'),
    );
    // Another model: another id, so its rows never pass for the first model's.
    expect(itemId('text', 'hello', 'jina-clip-v2')).not.toBe(
      itemId('text', 'hello', 'jina-clip-v1'),
    );
  });

  it('gives the same content under two paths one item, and a rewritten file a new id', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'jina-clip-item-id-'));
    try {
      await writeFile(join(folder, 'a.txt'), 'A cat.');
      await writeFile(join(folder, 'copy-of-a.txt'), 'A cat.');
      await writeFile(join(folder, 'b.txt'), 'A dog.');
      const first = await readIngestItems(folder, 'm');
      expect(first.map((item) => [item.source, item.id])).toEqual([
        [join(folder, 'a.txt'), itemId('text', 'A cat.', 'm')],
        [join(folder, 'b.txt'), itemId('text', 'A dog.', 'm')],
      ]);
      // The copy is named on its item, so a failure lists every path it stands for.
      expect(first.map((item) => item.copies)).toEqual([
        [join(folder, 'copy-of-a.txt')],
        undefined,
      ]);
      await writeFile(join(folder, 'b.txt'), 'A fox.'); // same size, new content
      const second = await readIngestItems(folder, 'm');
      expect(second[1]!.id).toBe(itemId('text', 'A fox.', 'm'));
      expect(second[1]!.id).not.toBe(first[1]!.id);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('encodeVector', () => {
  it('round-trips float32 values exactly', () => {
    const vector = Float32Array.from([0.1, -2.5, 1e-30, 3.4e38, 0]);
    expect(decodeVector(encodeVector(vector))).toEqual(vector);
    expect(encodeVector([1])).toBe('AACAPw==');
  });
});
