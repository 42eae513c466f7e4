import { describe, expect, it } from 'vitest';
import { PIXEL_BUFFER_POOL_BYTES, PixelBufferPool } from './pixel-buffer-pool.js';

describe('PixelBufferPool', () => {
  it('hands back a buffer given to it, for the same length only', () => {
    const pool = new PixelBufferPool();
    const first = pool.take(12);
    expect(first).toBeInstanceOf(Float32Array);
    expect(first.length).toBe(12);
    pool.give(first);
    expect(pool.keptBytes).toBe(48);
    expect(pool.take(13)).not.toBe(first);
    expect(pool.take(12)).toBe(first);
    expect(pool.keptBytes).toBe(0);
    // Taken, so no longer kept: the next taker gets a buffer of its own.
    expect(pool.take(12)).not.toBe(first);
  });

  it('keeps one copy of a buffer given twice, so two takers never share it', () => {
    const pool = new PixelBufferPool();
    const buffer = pool.take(4);
    pool.give(buffer);
    pool.give(buffer);
    expect(pool.keptBytes).toBe(16);
    expect(pool.take(4)).toBe(buffer);
    expect(pool.take(4)).not.toBe(buffer);
  });

  it('keeps at most maxBytes (16 MiB by default)', () => {
    expect(new PixelBufferPool().maxBytes).toBe(PIXEL_BUFFER_POOL_BYTES);
    expect(PIXEL_BUFFER_POOL_BYTES).toBe(16 * 1024 * 1024);
    const pool = new PixelBufferPool(100);
    const fits = new Float32Array(20);
    const over = new Float32Array(6);
    pool.give(fits);
    pool.give(over);
    expect(pool.keptBytes).toBe(80);
    expect(pool.take(6)).not.toBe(over);
    expect(pool.take(20)).toBe(fits);
  });
});
