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
});
