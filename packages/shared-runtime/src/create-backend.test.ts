import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from './create-backend.js';
import { BackendClosedError, InvalidInputError, ModelLoadError } from './errors/index.js';

describe('createBackend', () => {
  it('rejects calls of a closed local backend instead of loading the model after close', async () => {
    const backend = createBackend({
      backend: 'local',
      modelPath: join(tmpdir(), 'jina-clip-never-written-model'),
    });
    await backend.close();
    const error = await backend.embed(['a text']).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(BackendClosedError);
    expect(error).not.toBeInstanceOf(ModelLoadError);
  });

  it('names an unknown backend instead of quietly creating the api one', () => {
    const options = {
      backend: 'Local',
      modelPath: '/models/jina-clip-v1',
    } as unknown as Parameters<typeof createBackend>[0];
    let error: unknown;
    try {
      createBackend(options);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'backend' });
    expect((error as Error).message).toBe("`backend` must be 'api' or 'local', got \"Local\".");
  });
});
