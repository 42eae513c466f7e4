import { ApiError, type ApiErrorFields } from '../errors/api-error.js';
import { AuthenticationError } from '../errors/authentication-error.js';
import { boundLength, messageText, redactUrl } from '../errors/message-text.js';
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

/** Longest `detail` kept on the error (the message quotes at most 1,000 characters of it). */
const MAX_DETAIL = 4_000;

/** Entries of `errors[]` kept on the error, and the longest string kept in one. */
const MAX_KEPT_ERRORS = 20;
const MAX_ERROR_TEXT = 1_000;

/**
 * A server's value bounded for keeping on an error: strings cut, arrays and objects to their
 * first entries, nesting to a few levels (a `detail` of 50 MB made a 52 MB message).
 */
function boundValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return boundLength(value, MAX_ERROR_TEXT);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= 4) return '[nested too deep]';
  if (Array.isArray(value)) {
    return value.slice(0, MAX_KEPT_ERRORS).map((item) => boundValue(item, depth + 1));
  }
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, MAX_KEPT_ERRORS)
      .map(([key, item]) => [boundLength(key, 100), boundValue(item, depth + 1)]),
  );
}

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
  // Redacted before anything is parsed or cut: a cut through the key would leave its prefix,
  // and an echoed key may sit anywhere (a value, an object key, plain text).
  const body = redactSecret(answer.body, secret);
  const json = parseJsonObject(body);
  let detail: string | undefined;
  let errors: readonly unknown[] | undefined;
  if (json === undefined) {
    const text = body.trim();
    detail = text === '' ? undefined : boundLength(text, MAX_TEXT_DETAIL);
  } else if (Array.isArray(json.detail)) {
    errors = json.detail;
    detail = listErrors(json.detail);
  } else {
    detail = asString(json.detail) ?? asString(json.message);
  }
  if (json !== undefined && Array.isArray(json.errors)) errors = json.errors;
  const listed =
    errors !== undefined && errors !== json?.detail ? listErrors(errors.slice(0, 10)) : '';
  // The parsed values again: a key JSON-escaped in the body (`\"`) is itself once parsed.
  detail = redactSecret(detail === undefined ? undefined : boundLength(detail, MAX_DETAIL), secret);
  errors = redactSecret(boundValue(errors) as readonly unknown[] | undefined, secret);
  const code = redactSecret(asString(json?.code), secret);
  const requestId = redactSecret(
    asString(json?.request_id) ??
      headers['x-request-id'] ??
      detail?.match(/\[RID: ([^\]\s]+)\]/)?.[1],
    secret,
  );

  // The service prefixes `detail` with `[RID: id]`; the message names the id once, at its end.
  const said = (detail ?? 'no detail given').replace(/^\[RID: [^\]\s]+\]\s*/, '');
  const url = redactSecret(
    answer.url === undefined ? undefined : redactUrl(answer.url.replace(/[?#].*$/, '')),
    secret,
  );
  // Everything the server wrote is escaped (no line breaks or ANSI escapes: no forged log
  // lines), URLs in it lose credentials and queries, and each piece is bounded.
  const message =
    `Jina API error ${status}${code === undefined ? '' : ` ${messageText(code, 100)}`}` +
    `: ${messageText(said.replace(/\.$/, ''))}${listed === '' ? '' : ` (${messageText(redactSecret(listed, secret))})`}.` +
    hint(status, url) +
    (requestId === undefined ? '' : ` Request id: ${messageText(requestId, 200)}.`);
  const fields: ApiErrorFields = {
    status,
    code: code === undefined ? undefined : boundLength(code, 200),
    requestId: requestId === undefined ? undefined : boundLength(requestId, 200),
    detail,
    errors,
    headers,
  };
  if (status === 401 || status === 403) return new AuthenticationError(message, fields);
  if (status === 429) {
    return new RateLimitError(message, { ...fields, retryAfterMs: parseRetryAfterMs(headers) });
  }
  return new ApiError(message, fields);
}
