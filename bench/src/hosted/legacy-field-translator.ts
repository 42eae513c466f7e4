import { Buffer } from 'node:buffer';
import { createServer, type IncomingMessage } from 'node:http';

/** A running loopback relay that renames legacy request fields to the current schema. */
export interface LegacyFieldTranslator {
  /** `http://127.0.0.1:<port>`: use in place of the server's origin. */
  readonly origin: string;
  /** Requests it changed. */
  readonly translated: number;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Rewrites a request body from the older Jina API schema that `@llamaindex/jinaai` still speaks
 * (`encoding_type`, image inputs as `{ bytes }` or `{ url }`) to the current one the loopback
 * server validates (`embedding_type`, `{ image }`). Returns undefined when nothing changed.
 */
function translate(body: Buffer): Buffer | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const request = parsed as Record<string, unknown>;
  let changed = false;
  if ('encoding_type' in request) {
    request.embedding_type ??= request.encoding_type;
    delete request.encoding_type;
    changed = true;
  }
  if (Array.isArray(request.input)) {
    request.input = request.input.map((item: unknown) => {
      if (typeof item !== 'object' || item === null) return item;
      const fields = item as Record<string, unknown>;
      const legacy = fields.bytes ?? fields.url;
      if (typeof legacy !== 'string') return item;
      changed = true;
      return { image: legacy };
    });
  }
  return changed ? Buffer.from(JSON.stringify(request)) : undefined;
}

/**
 * Starts a loopback HTTP relay to `targetOrigin` that translates legacy Jina API fields (see
 * {@link translate}) and passes everything else, status and `Retry-After` headers included,
 * through unchanged. It lets the bench measure a peer that speaks the older schema (which the
 * live service may still accept as aliases; the loopback server follows the current one)
 * without touching the peer's code. Only the peers' transport is measured through it.
 */
export async function startLegacyFieldTranslator(
  targetOrigin: string,
): Promise<LegacyFieldTranslator> {
  let translated = 0;
  const server = createServer((request, response) => {
    (async () => {
      const original = await readBody(request);
      const rewritten = translate(original);
      if (rewritten !== undefined) translated++;
      const body = rewritten ?? original;
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'user-agent']) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const answer = await fetch(`${targetOrigin}${request.url ?? '/'}`, {
        method: request.method,
        headers,
        body:
          request.method === 'GET' || request.method === 'HEAD' ? undefined : new Uint8Array(body),
      });
      const answerBody = Buffer.from(await answer.arrayBuffer());
      const answerHeaders: Record<string, string> = { 'content-length': String(answerBody.length) };
      for (const name of ['content-type', 'retry-after', 'retry-after-ms']) {
        const value = answer.headers.get(name);
        if (value !== null) answerHeaders[name] = value;
      }
      response.writeHead(answer.status, answerHeaders);
      response.end(answerBody);
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    get translated() {
      return translated;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
