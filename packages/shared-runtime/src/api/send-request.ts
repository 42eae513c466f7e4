import type { Dispatcher } from 'undici';
import { ConnectionError } from '../errors/connection-error.js';
import { JinaClipError } from '../errors/jina-clip-error.js';
import { messageText } from '../errors/message-text.js';
import { TimeoutError } from '../errors/timeout-error.js';
import { redactSecret } from './api-key.js';
import { createApiError } from './create-api-error.js';
import { readCappedBody } from './read-capped-body.js';

/** One POST to send. */
export interface JsonRequest {
  /** Where to send it (its origin must be the dispatcher's). */
  url: URL;
  /** Every header, names lower-cased, the API key included. */
  headers: Record<string, string>;
  /** The JSON body, serialised. */
  body: string;
}

/** A 2xx answer with its JSON body parsed. */
export interface JsonAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * A {@link ConnectionError} for a socket-level failure. undici's own error is not attached: its
 * properties may describe the request, and so the key. A fresh cause keeps its name, code and
 * (redacted) message, which is what a caller debugging a refused connection needs.
 */
function connectionError(error: unknown, origin: string, secret: string): ConnectionError {
  const { name, code, message } = (error ?? {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
  };
  const text = messageText(
    redactSecret(typeof message === 'string' ? message : String(error), secret),
  );
  const cause = new Error(text);
  cause.name = typeof name === 'string' ? name : 'Error';
  if (typeof code === 'string') Object.assign(cause, { code });
  return new ConnectionError(
    `Connection to ${origin} failed: ${text}${typeof code === 'string' ? ` (${code})` : ''}.`,
    { cause },
  );
}

/**
 * Sends one request, once: no retries here. Resolves with a 2xx answer's parsed body (its headers
 * redacted of `secret`); rejects with the typed error of an error answer ({@link createApiError}),
 * an {@link ApiError} `RESPONSE_TOO_LARGE` for a body over `maxResponseBytes` (checked while
 * reading), a {@link TimeoutError} when the
 * whole exchange (headers and body) takes longer than `timeout` ms, a {@link ConnectionError}
 * when the connection fails or a 2xx body is cut off or not JSON, and with `signal.reason`
 * itself when `signal` aborts.
 */
export async function sendJsonRequest(
  dispatcher: Dispatcher,
  request: JsonRequest,
  options: { timeout: number; signal: AbortSignal; secret: string; maxResponseBytes: number },
): Promise<JsonAnswer> {
  const { signal, timeout, secret, maxResponseBytes } = options;
  signal.throwIfAborted();
  const origin = request.url.origin;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeout);
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await dispatcher.request({
      origin,
      path: request.url.pathname,
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: controller.signal,
    });
    // Redacted once, here: every error built from this answer (and the answer itself) shows
    // these headers, and a server may echo the key in one of them.
    const headers = redactSecret(flattenHeaders(response.headers), secret);
    const text = await readCappedBody(
      response.body,
      { status: response.statusCode, headers, origin },
      maxResponseBytes,
    );
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const url = `${origin}${request.url.pathname}`;
      throw createApiError({ status: response.statusCode, body: text, headers, url }, secret);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // A 2xx whose body does not parse was cut off in transit (or mangled by a proxy): worth
      // another attempt, like any other connection failure.
      throw new ConnectionError(
        `The answer from ${origin} was cut off or is not JSON (${text.length} characters received).`,
      );
    }
    return { status: response.statusCode, headers, body };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (timedOut) {
      throw new TimeoutError(`No complete answer from ${origin} within ${timeout} ms.`, {
        timeoutMs: timeout,
      });
    }
    if (JinaClipError.isInstance(error)) throw error;
    throw connectionError(error, origin, secret);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
