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
