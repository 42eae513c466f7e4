import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../errors/index.js';
import { checkFreeDiskSpace } from './check-free-disk-space.js';

describe('checkFreeDiskSpace', () => {
  it('passes a download the disk has room for', async () => {
    await expect(checkFreeDiskSpace(tmpdir(), 1024, 'config.json', 'org/name')).resolves.toBe(
      undefined,
    );
  });

  it('refuses, naming the file and both sizes, a download larger than the free space', async () => {
    const needed = 2 ** 60;
    const error = await checkFreeDiskSpace(tmpdir(), needed, 'onnx/model.onnx', 'org/name').catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).file).toBe('onnx/model.onnx');
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Not enough free disk space to download onnx/model\\.onnx of org/name: it needs ${needed} bytes but .* has \\d+ free\\.`,
      ),
    );
  });
});
