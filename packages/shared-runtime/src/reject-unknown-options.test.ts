import { describe, expect, it } from 'vitest';
import type { ApiBackendOptions } from './api/api-backend-options.js';
import { createApiBackend } from './api/create-api-backend.js';
import { createBackend } from './create-backend.js';
import { InvalidInputError } from './errors/invalid-input-error.js';
import { createLocalBackend } from './local/create-local-backend.js';
import type { LocalBackendOptions } from './local/local-backend-options.js';

function thrown(create: () => unknown): unknown {
  try {
    create();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('createApiBackend and createLocalBackend reject options they do not read', () => {
  const cases: Array<[string, () => unknown, string, RegExp]> = [
    [
      'threads on the api backend',
      () => createApiBackend({ threads: 2 } as ApiBackendOptions),
      'threads',
      /`threads` is not an option of the api backend: it belongs to the other backend \(createLocalBackend or `backend: 'local'`\)/,
    ],
    [
      'a typo on the api backend',
      () => createApiBackend({ batchsize: 4 } as ApiBackendOptions),
      'batchsize',
      /`batchsize` is not an option of the api backend; did you mean `batchSize`\?/,
    ],
    [
      'an unknown name on the api backend',
      () => createApiBackend({ retries: 4 } as ApiBackendOptions),
      'retries',
      /^`retries` is not an option of the api backend\.$/,
    ],
    [
      'apiKey on the local backend',
      () => createLocalBackend({ apiKey: 'k' } as LocalBackendOptions),
      'apiKey',
      /`apiKey` is not an option of the local backend: it belongs to the other backend \(createApiBackend or `backend: 'api'`\)/,
    ],
    [
      'a typo on the local backend',
      () => createLocalBackend({ modelpath: '/m' } as LocalBackendOptions),
      'modelpath',
      /did you mean `modelPath`\?/,
    ],
    [
      'an api option through createBackend local',
      () => createBackend({ backend: 'local', baseURL: 'http://x' } as never),
      'baseURL',
      /belongs to the other backend/,
    ],
    [
      'a local option through createBackend api',
      () => createBackend({ backend: 'api', dtype: 'q8' } as never),
      'dtype',
      /belongs to the other backend/,
    ],
  ];

  it.each(cases)('%s: InvalidInputError naming the field', (_name, create, field, message) => {
    const error = thrown(create);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field });
    expect((error as Error).message).toMatch(message);
  });

  it('accepts every own option and options set to undefined', async () => {
    const api = createApiBackend({ threads: undefined, batchSize: 4 } as ApiBackendOptions);
    const local = createLocalBackend({ apiKey: undefined, batchSize: 4 } as LocalBackendOptions);
    await Promise.all([api.close(), local.close()]);
  });

  it('refuses options that are not an object', () => {
    expect(thrown(() => createApiBackend(null as never))).toMatchObject({ field: 'options' });
    expect(thrown(() => createLocalBackend(7 as never))).toMatchObject({ field: 'options' });
  });
});
