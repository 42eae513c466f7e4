/**
 * A fault the loopback Jina API server injects into one request, in the order queued with
 * `server.fail(...)`; each request consumes the next fault before anything else happens.
 */
export type JinaApiFault =
  | JinaApiStatusFault
  | { /** Destroy the connection without answering. */ reset: true }
  | { /** Answer normally, after this many extra milliseconds. */ delayMs: number }
  | {
      /** Answer normally, but cut the connection halfway through the body. */
      truncate: true;
    }
  | {
      /**
       * Answer 200 with a body that never ends (JSON whitespace, no `content-length`, streamed as
       * fast as the client reads) until the client goes: a hostile or broken server.
       */
      endlessBody: true;
    };

/** Answer with an error status (429, 500, 502, 503, or any other) instead of embedding. */
export interface JinaApiStatusFault {
  status: number;
  /** The `Retry-After` header (seconds or an HTTP date). */
  retryAfter?: string;
  /** The `retry-after-ms` header. */
  retryAfterMs?: string;
  /** The body, JSON-encoded unless a string; by default the service's `{ detail, code, request_id }`. */
  body?: unknown;
  /** More response headers. */
  headers?: Record<string, string>;
}

/** True for a status fault. */
export function isStatusFault(fault: JinaApiFault): fault is JinaApiStatusFault {
  return 'status' in fault;
}
