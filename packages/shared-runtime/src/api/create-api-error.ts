import { ApiError, type ApiErrorFields } from '../errors/api-error.js';
import { AuthenticationError } from '../errors/authentication-error.js';
import { RateLimitError } from '../errors/rate-limit-error.js';
import { redactSecret } from './api-key.js';
import { DEFAULT_BASE_URL } from './resolve-api-config.js';
import { parseRetryAfterMs } from './retry.js';

/** An error answer as received. */
export interface ErrorAnswer {
  status: number;
  /** The raw body text (JSON `{ detail, code, request_id, errors }` from the service). */
  body: string;
  /** Response headers, names lower-cased. */
  headers: Record<string, string>;
  /** The URL called, origin and path only (never a query string), named by a 404's message. */
  url?: string;
}

/** Longest part of a non-JSON body (a proxy's HTML page, say) kept as `detail`. */
const MAX_TEXT_DETAIL = 300;

/** How many validation errors the message spells out. */
const MAX_LISTED_ERRORS = 3;

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** One validation error, as the service (`{ field, message }`) or FastAPI (`{ loc, msg }`) writes it. */
function describeValidationError(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return asString(error);
  const { field, message, loc, msg } = error as Record<string, unknown>;
  const where = asString(field) ?? (Array.isArray(loc) ? loc.join(' -> ') : undefined);
  const what = asString(message) ?? asString(msg);
  if (what === undefined) return undefined;
  return where === undefined ? what : `${where}: ${what}`;
}

function listErrors(errors: readonly unknown[]): string {
  const listed = errors
    .slice(0, MAX_LISTED_ERRORS)
    .map(describeValidationError)
    .filter((text): text is string => text !== undefined);
  const more =
    errors.length > MAX_LISTED_ERRORS ? `; and ${errors.length - MAX_LISTED_ERRORS} more` : '';
  return listed.join('; ') + more;
}

function hint(status: number, url: string | undefined): string {
  if (status === 401) return ' Check the API key (`apiKey` or JINA_API_KEY).';
  if (status === 403) return ' The key may lack balance or access to this model.';
  if ((status === 404 || status === 405) && url !== undefined) {
    // Most often a `baseURL` without its `/v1`: name what was called so the mistake shows.
    return ` No embeddings endpoint at POST ${url}: check \`baseURL\` (the hosted API's is ${DEFAULT_BASE_URL}).`;
  }
  return '';
}

/**
 * The one factory that turns an error answer into a typed error: {@link AuthenticationError} for
 * 401/403, {@link RateLimitError} for 429 (with `retryAfterMs`), {@link ApiError} otherwise.
 * Reads the service's `{ detail, code, request_id }` body, its 422 `errors[]`, FastAPI's
 * `detail: [{ loc, msg }]` list, or plain text; the request id falls back to the
 * `x-request-id` header and to the `[RID: ...]` prefix the service writes in `detail`.
 * `secret` (the API key) is redacted from everything kept, in case a server echoes it.
 */
export function createApiError(answer: ErrorAnswer, secret?: string): ApiError {
  const { status } = answer;
  const headers = redactSecret(answer.headers, secret);
  const json = parseJsonObject(answer.body);
  let detail: string | undefined;
  let errors: readonly unknown[] | undefined;
  if (json === undefined) {
    const text = answer.body.trim();
    detail = text === '' ? undefined : text.slice(0, MAX_TEXT_DETAIL);
  } else if (Array.isArray(json.detail)) {
    errors = json.detail;
    detail = listErrors(json.detail);
  } else {
    detail = asString(json.detail) ?? asString(json.message);
  }
  if (json !== undefined && Array.isArray(json.errors)) errors = json.errors;
  detail = redactSecret(detail, secret);
  errors = redactSecret(errors, secret);
  const code = redactSecret(asString(json?.code), secret);
  const requestId = redactSecret(
    asString(json?.request_id) ??
      headers['x-request-id'] ??
      detail?.match(/\[RID: ([^\]\s]+)\]/)?.[1],
    secret,
  );

  const listed = errors !== undefined && errors !== json?.detail ? listErrors(errors) : '';
  // The service prefixes `detail` with `[RID: id]`; the message names the id once, at its end.
  const said = (detail ?? 'no detail given').replace(/^\[RID: [^\]\s]+\]\s*/, '');
  const url = redactSecret(answer.url?.replace(/[?#].*$/, ''), secret);
  const message =
    `Jina API error ${status}${code === undefined ? '' : ` ${code}`}` +
    `: ${said.replace(/\.$/, '')}${listed === '' ? '' : ` (${listed})`}.` +
    hint(status, url) +
    (requestId === undefined ? '' : ` Request id: ${requestId}.`);
  const fields: ApiErrorFields = { status, code, requestId, detail, errors, headers };
  if (status === 401 || status === 403) return new AuthenticationError(message, fields);
  if (status === 429) {
    return new RateLimitError(message, { ...fields, retryAfterMs: parseRetryAfterMs(headers) });
  }
  return new ApiError(message, fields);
}
