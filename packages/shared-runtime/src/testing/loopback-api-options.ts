import type { ApiBackendOptions } from '../api/api-backend-options.js';
import type { JinaApiServer } from './jina-api-server.js';

/**
 * Options of the api backend (or an adapter) that reach the loopback `server`: its `baseURL` and
 * `apiKey`, and a retry backoff of milliseconds (`initialDelayMs: 1`, `maxDelayMs: 5`), so that
 * a test of retries does not wait for the real backoff. Spread more options after them.
 *
 * @example
 * ```ts
 * const server = await startJinaApiServer();
 * const backend = createApiBackend({ ...loopbackApiOptions(server), model: 'jina-clip-v2' });
 * ```
 */
export function loopbackApiOptions(
  server: Pick<JinaApiServer, 'url' | 'apiKey'>,
): Required<Pick<ApiBackendOptions, 'baseURL' | 'apiKey' | 'backoff'>> {
  return {
    baseURL: server.url,
    apiKey: server.apiKey,
    backoff: { initialDelayMs: 1, maxDelayMs: 5 },
  };
}
