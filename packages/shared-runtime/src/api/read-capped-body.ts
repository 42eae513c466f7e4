import { Buffer } from 'node:buffer';
import type { Dispatcher } from 'undici';
import { ApiError } from '../errors/api-error.js';

/** The status and headers (already redacted) of the answer whose body is read. */
export interface CappedBodyAnswer {
  status: number;
  headers: Record<string, string>;
  /** The answer's origin, for the message. */
  origin: string;
}

function tooLarge(answer: CappedBodyAnswer, maxBytes: number, received: string): ApiError {
  return new ApiError(
    `The answer from ${answer.origin} (HTTP ${answer.status}) is larger than maxResponseBytes (${maxBytes} bytes; ${received}); it was abandoned and is not retried. Lower \`batchSize\` or raise \`maxResponseBytes\` if the server is trusted.`,
    {
      status: answer.status,
      code: 'RESPONSE_TOO_LARGE',
      detail: `larger than ${maxBytes} bytes`,
      headers: answer.headers,
      retryable: false,
    },
  );
}

/**
 * Ends the body's stream, closing its connection. undici reports a destroyed body as an
 * `AbortError` event; nobody else listens any more, so it is swallowed here instead of surfacing
 * as an unhandled error.
 */
function abandon(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

/**
 * Reads an undici response body as UTF-8 text, never holding more than `maxBytes`: a
 * `content-length` above the cap fails before any byte is read, and the bytes are counted while
 * they arrive, so an endless or huge body fails as soon as it passes the cap (the stream is
 * destroyed, which closes the connection). Over the cap: an {@link ApiError} with code
 * `RESPONSE_TOO_LARGE`, `retryable: false`. undici's `body.text()` has no limit, hence this.
 */
export async function readCappedBody(
  body: Dispatcher.ResponseData['body'],
  answer: CappedBodyAnswer,
  maxBytes: number,
): Promise<string> {
  const declared = Number(answer.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    abandon(body);
    throw tooLarge(answer, maxBytes, `content-length ${declared}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    size += bytes.byteLength;
    if (size > maxBytes) {
      abandon(body);
      throw tooLarge(answer, maxBytes, `more than ${maxBytes} bytes received`);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
