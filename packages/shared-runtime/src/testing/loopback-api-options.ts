import type { ApiBackendOptions } from '../api/api-backend-options.js';
import type { JinaApiServer } from './jina-api-server.js';

/**
 * Options of the api backend (or an adapter) that reach the loopback `server`: its `baseURL` and
 * `apiKey`, a retry backoff of milliseconds (`initialDelayMs: 1`, `maxDelayMs: 5`), so that
 * a test of retries does not wait for the real backoff, and `allowPrivateNetwork: true`, so that
 * images a test serves on loopback can be downloaded (`fetchImageUrls`). Spread more options
 * after them.
 *
 * @example
 * ```ts
 * const server = await startJinaApiServer();
 * const backend = createApiBackend({ ...loopbackApiOptions(server), model: 'jina-clip-v2' });
 * ```
 */
export function loopbackApiOptions(
  server: Pick<JinaApiServer, 'url' | 'apiKey'>,
): Required<Pick<ApiBackendOptions, 'baseURL' | 'apiKey' | 'backoff' | 'allowPrivateNetwork'>> {
  return {
    baseURL: server.url,
    apiKey: server.apiKey,
    backoff: { initialDelayMs: 1, maxDelayMs: 5 },
    allowPrivateNetwork: true,
  };
}
