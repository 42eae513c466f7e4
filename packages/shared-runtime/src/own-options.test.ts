import { afterEach, describe, expect, it } from 'vitest';
import { createApiBackend } from './api/create-api-backend.js';
import { resolveApiConfig } from './api/resolve-api-config.js';
import { createBackend } from './create-backend.js';
import { checkEmbedOptions } from './embed-options.js';
import { InvalidInputError } from './errors/invalid-input-error.js';
import { resolveLocalConfig } from './local/resolve-local-config.js';
import { ownOptions } from './own-options.js';
import { startJinaApiServer } from './testing/jina-api-server.js';
import { loopbackApiOptions } from './testing/loopback-api-options.js';

/** Sets `Object.prototype[name]` for one test (prototype pollution), undone afterwards. */
const polluted: string[] = [];
function pollute(name: string, value: unknown): void {
  Object.defineProperty(Object.prototype, name, { value, configurable: true, writable: true });
  polluted.push(name);
}
afterEach(() => {
  for (const name of polluted.splice(0)) delete (Object.prototype as Record<string, unknown>)[name];
});

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('options are read from their own properties only', () => {
  it('ignores Object.prototype.baseURL: the key goes to the baseURL given, not the polluted one', async () => {
    const server = await startJinaApiServer();
    const elsewhere = await startJinaApiServer();
    try {
      pollute('baseURL', elsewhere.url);
      pollute('maxRetries', 'not a number');
      expect(resolveApiConfig({ apiKey: 'jina_key' }).endpoint.href).toBe(
        'https://api.jina.ai/v1/embeddings',
      );
      const backend = createApiBackend(loopbackApiOptions(server));
      await backend.embed(['a cat']);
      await backend.close();
      expect(server.requests.length).toBe(1);
      expect(elsewhere.requests.length).toBe(0);
    } finally {
      await server.close();
      await elsewhere.close();
    }
  });

  it('ignores Object.prototype.backend, modelPath and model in createBackend and the local resolver', () => {
    pollute('backend', 'local');
    pollute('modelPath', '/polluted');
    pollute('model', 'constructor');
    expect(createBackend({ apiKey: 'jina_key' }).model.id).toBe('jina-clip-v1');
    expect(resolveLocalConfig({}).modelPath).toBeUndefined();
  });

  it('turns a throwing getter into an InvalidInputError naming the option', () => {
    const options = {
      get batchSize(): number {
        throw new RangeError('from a getter');
      },
    };
    for (const run of [() => resolveApiConfig(options), () => resolveLocalConfig(options)]) {
      const error = thrown(run);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe('batchSize');
      expect((error as Error).message).toContain('RangeError: from a getter');
    }
  });

  it('turns a throwing Proxy trap into an InvalidInputError', () => {
    const trap = () => {
      throw new TypeError('trap');
    };
    const keys = new Proxy({}, { ownKeys: trap });
    const values = new Proxy({ signal: undefined }, { get: trap });
    const keysError = thrown(() => checkEmbedOptions(keys));
    expect(keysError).toBeInstanceOf(InvalidInputError);
    expect((keysError as InvalidInputError).field).toBe('options');
    const valuesError = thrown(() => checkEmbedOptions(values));
    expect(valuesError).toBeInstanceOf(InvalidInputError);
    expect((valuesError as InvalidInputError).field).toBe('signal');
    const backoffError = thrown(() =>
      resolveApiConfig({ backoff: new Proxy({}, { ownKeys: trap }) }),
    );
    expect((backoffError as InvalidInputError).field).toBe('backoff');
  });

  it('returns a prototype-less snapshot that a later change of the caller object does not reach', () => {
    const options: Record<string, unknown> = { a: 1 };
    const own = ownOptions(options, 'a test');
    options.a = 2;
    expect(Object.getPrototypeOf(own)).toBeNull();
    expect(own.a).toBe(1);
  });
});
