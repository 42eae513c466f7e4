import { createApiBackend } from './api/create-api-backend.js';
import type { BackendOptions } from './backend-options.js';
import type { EmbeddingBackend } from './embedding-backend.js';
import { BackendClosedError } from './errors/backend-closed-error.js';
import { InvalidInputError } from './errors/invalid-input-error.js';
import type { LocalBackendOptions } from './local/local-backend-options.js';
import { resolveLocalConfig } from './local/resolve-local-config.js';
import { ownOptions } from './own-options.js';

export type { BackendOptions } from './backend-options.js';

/**
 * Creates a backend by name. The local backend is imported lazily, so an api user never loads
 * onnxruntime-node or sharp. The returned backend loads the local model on first use.
 */
export function createBackend(given: BackendOptions = {}): EmbeddingBackend {
  // Own properties only: `backend` set on Object.prototype must not pick the backend.
  const options = ownOptions(given, 'createBackend');
  if (options.backend === 'local') {
    const { backend: _backend, ...local } = options;
    return createLazyLocalBackend(local);
  }
  const { backend, ...api } = options;
  // A misspelt name ('Local') would otherwise give the api backend and drop every local option.
  if (backend !== undefined && backend !== 'api') {
    throw new InvalidInputError(
      `\`backend\` must be 'api' or 'local', got ${typeof backend === 'string' ? `"${backend}"` : typeof backend}.`,
      { field: 'backend' },
    );
  }
  return createApiBackend(api);
}

function createLazyLocalBackend(options: LocalBackendOptions): EmbeddingBackend {
  let loaded: Promise<EmbeddingBackend> | undefined;
  let local: EmbeddingBackend | undefined;
  let closed = false;
  const load = () => {
    loaded ??= import('./local.js').then(({ createLocalBackend }) => {
      local = createLocalBackend(options);
      return local;
    });
    return loaded;
  };
  // Every option is validated now, as createLocalBackend does (the resolver loads nothing heavy).
  // Until the local backend exists the table's facts stand in; afterwards its own (which
  // describe the loaded repository once its first call has loaded it).
  const modelInfo = resolveLocalConfig(options).model;
  return {
    get model() {
      return local?.model ?? modelInfo;
    },
    async embed(inputs, embedOptions) {
      // Closed before its first call: loading the model now would leak sessions nobody closes.
      if (closed) throw new BackendClosedError();
      const backend = await load();
      // Closed while the module loaded: the local backend's own close() settles the rest.
      if (closed) throw new BackendClosedError();
      return backend.embed(inputs, embedOptions);
    },
    async close() {
      closed = true;
      if (loaded !== undefined) await (await loaded).close();
    },
  };
}
