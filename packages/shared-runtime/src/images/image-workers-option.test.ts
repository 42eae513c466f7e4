import { describe, expect, it } from 'vitest';
import { captureWarnings } from '../testing/capture-warnings.test-helper.js';
import { resolveImageWorkers, uvThreadpoolSize } from './image-workers-option.js';

describe('uvThreadpoolSize', () => {
  it('reads UV_THREADPOOL_SIZE as libuv does: 4 by default, 1 to 1024', () => {
    expect(uvThreadpoolSize({})).toBe(4);
    expect(uvThreadpoolSize({ UV_THREADPOOL_SIZE: '8' })).toBe(8);
    expect(uvThreadpoolSize({ UV_THREADPOOL_SIZE: 'many' })).toBe(4);
    expect(uvThreadpoolSize({ UV_THREADPOOL_SIZE: '0' })).toBe(1);
    expect(uvThreadpoolSize({ UV_THREADPOOL_SIZE: '5000' })).toBe(1024);
  });
});

describe('resolveImageWorkers', () => {
  it('warns once when the workers would outnumber the threads sharp decodes on', async () => {
    const none = await captureWarnings(() => {
      expect(resolveImageWorkers(undefined, 3, 4)).toBe(3);
      expect(resolveImageWorkers(3, 0, 4)).toBe(3);
    });
    expect(none).toEqual([]);
    const warnings = await captureWarnings(() => {
      expect(resolveImageWorkers(6, 0, 4)).toBe(6);
      expect(resolveImageWorkers(9, 0, 4)).toBe(9);
    });
    expect(
      warnings.map((warning) => [(warning as { code?: string }).code, warning.message]),
    ).toEqual([
      [
        'JINA_CLIP_UV_THREADPOOL',
        "imageWorkers is 6, but libuv's threadpool has 4 threads (UV_THREADPOOL_SIZE): sharp decodes at most 4 images at once, and file reads wait behind them. Start Node.js with UV_THREADPOOL_SIZE=7 or more.",
      ],
    ]);
  });
});
