import { AuthenticationError } from '../errors/authentication-error.js';

/** The environment variable the key is read from when `apiKey` is not given. */
export const API_KEY_ENV = 'JINA_API_KEY';

// Visible ASCII only: a key with whitespace or control characters cannot go in a header, and
// undici's complaint about it would risk quoting the value.
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/**
 * The API key to send: the one given to the backend, else `JINA_API_KEY` as it is now (the
 * backend calls this at its first request, not at construction). A missing or unusable key is an
 * {@link AuthenticationError} with `status` 0: no request was sent.
 */
export function readApiKey(explicitApiKey: string | undefined): string {
  const apiKey = (explicitApiKey ?? process.env[API_KEY_ENV] ?? '').trim();
  if (apiKey === '') {
    throw new AuthenticationError(
      `No Jina API key: pass \`apiKey\` to the backend or set the ${API_KEY_ENV} environment variable (keys: https://jina.ai/api-dashboard/key-manager).`,
      { status: 0 },
    );
  }
  if (!HEADER_SAFE.test(apiKey)) {
    throw new AuthenticationError(
      `The Jina API key (from ${explicitApiKey === undefined ? API_KEY_ENV : '`apiKey`'}) contains spaces, control or non-ASCII characters and cannot be sent; check how it was copied.`,
      { status: 0 },
    );
  }
  return apiKey;
}

/**
 * Replaces every occurrence of `secret` in the strings of `value` (deeply, for plain objects and
 * arrays, their keys included) with `[redacted]`: applied to whatever a server or a socket error
 * puts into an error, in case it echoes the key, even as an object key.
 */
export function redactSecret<T>(value: T, secret: string | undefined): T {
  if (secret === undefined || secret === '') return value;
  if (typeof value === 'string') return value.split(secret).join('[redacted]') as T;
  if (Array.isArray(value)) return value.map((item) => redactSecret(item, secret)) as T;
  if (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        redactSecret(key, secret),
        redactSecret(item, secret),
      ]),
    ) as T;
  }
  return value;
}
