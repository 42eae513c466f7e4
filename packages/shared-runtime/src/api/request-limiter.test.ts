import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createRequestLimiter } from './request-limiter.js';

describe('createRequestLimiter', () => {
  it('hands out at most max slots, then serves waiters first come first served', async () => {
    const limiter = createRequestLimiter(2);
    const first = await limiter.acquire();
    await limiter.acquire();
    expect(limiter.active).toBe(2);
    const order: string[] = [];
    const take = (name: string) =>
      limiter.acquire().then((release) => {
        order.push(name);
        return release;
      });
    const third = take('third');
    const fourth = take('fourth');
    first();
    first();
    await third;
    expect(order).toEqual(['third']);
    expect(limiter.active).toBe(2);
    (await third)();
    (await fourth)();
    expect(order).toEqual(['third', 'fourth']);
    expect(limiter.active).toBe(1);
  });

  it('keeps one abort listener per signal however many of its batches wait', async () => {
    const limiter = createRequestLimiter(16);
    const held = await Promise.all(Array.from({ length: 16 }, () => limiter.acquire()));
    const call = new AbortController();
    const waiting = Array.from({ length: 30 }, () => limiter.acquire(call.signal));
    expect(getEventListeners(call.signal, 'abort')).toHaveLength(1);
    for (const release of held) release('success');
    for (const each of waiting.slice(0, 16)) await each;
    expect(getEventListeners(call.signal, 'abort')).toHaveLength(1);
    const reason = new Error('caller gave up');
    call.abort(reason);
    for (const each of waiting.slice(16)) await expect(each).rejects.toBe(reason);
    expect(getEventListeners(call.signal, 'abort')).toHaveLength(0);
    // close() takes the listeners of the signals still waiting.
    const other = new AbortController();
    const closed = limiter.acquire(other.signal);
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(1);
    limiter.close(new Error('closed'));
    await expect(closed).rejects.toThrow('closed');
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
  });

  it('gives up a waiting place on abort, rejecting with the reason', async () => {
    const limiter = createRequestLimiter(1);
    const release = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort('gone');
    await expect(waiting).rejects.toBe('gone');
    release();
    expect(limiter.active).toBe(0);
    await expect(limiter.acquire(AbortSignal.abort('early'))).rejects.toBe('early');
  });
});
