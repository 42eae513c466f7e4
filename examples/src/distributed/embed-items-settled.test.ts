import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, ImageLoadError, InvalidInputError } from 'jina-clip-runtime';
import { createLocalBackend } from 'jina-clip-runtime/local';
import { writeTestImages, writeTinyModelRepo } from 'jina-clip-runtime/testing';
import { JinaClipEmbeddings } from 'langchain-jina-clip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbedItem, embedItemsSettled, isItemError } from './embed-items-settled.js';

let scratch: string;
let modelPath: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'jina-clip-settled-'));
  modelPath = (await writeTinyModelRepo(join(scratch, 'model'), { model: 'jina-clip-v1' }))
    .directory;
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('embedItemsSettled', () => {
  it('keeps every good vector and settles each bad input with its own error, in item order', async () => {
    const [red, green] = await writeTestImages(
      { red: [220, 30, 30], green: [30, 200, 60] },
      { directory: join(scratch, 'images') },
    );
    const corrupt = join(scratch, 'corrupt.jpg');
    await writeFile(corrupt, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const items: EmbedItem[] = [
      { kind: 'image', id: 'red', source: red!.path },
      { kind: 'text', id: 'cat', source: 'cat.txt', text: 'A cat.' },
      { kind: 'image', id: 'corrupt', source: corrupt },
      { kind: 'text', id: 'empty', source: 'empty.txt', text: '' },
      { kind: 'image', id: 'green', source: green!.path },
    ];
    const embeddings = new JinaClipEmbeddings({ backend: 'local', modelPath });
    const reference = await createLocalBackend({ modelPath });
    try {
      const settled = await embedItemsSettled(embeddings, items);
      expect(settled.map((each) => each.item.id)).toEqual(items.map((item) => item.id));
      const { embeddings: expected } = await reference.embed([
        { image: red!.path },
        'A cat.',
        { image: green!.path },
      ]);
      const vectorOf = (index: number) => (settled[index] as { vector: number[] }).vector;
      for (const [index, position] of [0, 1, 4].entries()) {
        const difference = vectorOf(position).map((value, at) =>
          Math.abs(value - expected[index]![at]!),
        );
        expect(Math.max(...difference)).toBeLessThanOrEqual(1e-5);
      }
      expect(ImageLoadError.isInstance((settled[2] as { error: unknown }).error)).toBe(true);
      expect(InvalidInputError.isInstance((settled[3] as { error: unknown }).error)).toBe(true);
    } finally {
      await embeddings.close();
      await reference.close();
    }
  });
});

describe('isItemError', () => {
  const pinned = (status: number) =>
    Object.defineProperty(new ApiError(`Input 3: rejected (${status})`, { status }), 'inputIndex', {
      value: 3,
      enumerable: true,
    });
  it('records an ApiError the runtime pins on one input (a 400 naming it) instead of failing the job', () => {
    expect(isItemError(pinned(400))).toBe(true);
  });
  it('fails the job (retried with backoff) for a retryable or unpinned ApiError', () => {
    expect(isItemError(pinned(503))).toBe(false);
    expect(isItemError(new ApiError('bad request', { status: 400 }))).toBe(false);
    expect(isItemError(new Error('socket hang up'))).toBe(false);
  });
});
