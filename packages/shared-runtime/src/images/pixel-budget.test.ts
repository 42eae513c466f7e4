import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { PixelBudget } from './pixel-budget.js';

describe('PixelBudget', () => {
  it('lets small images through together and makes large ones take turns, in order', async () => {
    const budget = new PixelBudget(100);
    const order: string[] = [];
    const first = await budget.acquire(60);
    const small = await budget.acquire(30);
    expect(budget.available).toBe(10);
    const large = budget.acquire(80).then((release) => {
      order.push('large');
      return release;
    });
    // Served in order: a later small image waits behind the large one.
    const later = budget.acquire(5).then((release) => {
      order.push('later');
      return release;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    first();
    small();
    const releaseLarge = await large;
    const releaseLater = await later;
    expect(order).toEqual(['large', 'later']);
    expect(budget.available).toBe(15);
    releaseLarge();
    releaseLarge(); // a second call gives nothing back twice
    releaseLater();
    expect(budget.available).toBe(100);
  });

  it('admits an image larger than the whole budget once nothing else holds it', async () => {
    const budget = new PixelBudget(100);
    const held = await budget.acquire(1);
    const huge = budget.acquire(10_000);
    held();
    const release = await huge;
    expect(budget.available).toBe(0);
    release();
    expect(budget.available).toBe(100);
  });

  it('rejects a waiting acquire with the signal reason and lets the next one in', async () => {
    const budget = new PixelBudget(100);
    const held = await budget.acquire(90);
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const waiting = budget.acquire(50, controller.signal);
    const next = budget.acquire(10);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    (await next)();
    held();
    expect(budget.available).toBe(100);
    await expect(budget.acquire(1, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('keeps one abort listener per signal however many of its images wait, and none once served', async () => {
    const budget = new PixelBudget(3);
    const controller = new AbortController();
    const held = await budget.acquire(3, controller.signal);
    const waiting = Array.from({ length: 40 }, () => budget.acquire(1, controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    held();
    for (const each of waiting.slice(0, 3)) (await each)();
    // Served in order, three at a time: the listener stays while any waits.
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    for (const each of waiting.slice(3)) (await each)();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(budget.available).toBe(3);

    // An abort rejects every waiter of that signal at once, and only those.
    const other = new AbortController();
    const full = await budget.acquire(3);
    const aborted = Array.from({ length: 20 }, () => budget.acquire(1, controller.signal));
    const kept = budget.acquire(1, other.signal);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    for (const each of aborted) await expect(each).rejects.toBe(reason);
    full();
    (await kept)();
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
    expect(budget.available).toBe(3);
  });
});
