import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Loopback servers that misbehave on purpose, one path each. */
export interface HostileServers {
  /** An image URL whose body never ends (zeros, as fast as the client reads). */
  readonly endlessImageUrl: string;
  /** An image URL that sends one byte a second after its headers. */
  readonly slowLorisImageUrl: string;
  /** An image URL whose server accepts the request and never answers. */
  readonly silentImageUrl: string;
  /** A Jina-API-shaped base URL whose `POST /embeddings` answers a 200 with an endless body. */
  readonly endlessAnswerBaseUrl: string;
  /** A Jina-API-shaped base URL whose 200 answer is not valid and echoes the key in a header. */
  readonly keyEchoBaseUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the hostile servers of the reliability run on 127.0.0.1. Every connection is
 * destroyed on close, so an endless body ends with the run.
 */
export async function startHostileServers(): Promise<HostileServers> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    if (path.startsWith('/endless.png')) {
      response.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.alloc(64 * 1024);
      const write = (): void => {
        while (response.write(chunk)) {
          /* until the socket's buffer is full */
        }
      };
      response.on('drain', write);
      write();
      return;
    }
    if (path.startsWith('/slow')) {
      response.writeHead(200, { 'content-type': 'image/jpeg' });
      const timer = setInterval(() => response.write(Buffer.of(0xff)), 1000);
      timers.add(timer);
      response.on('close', () => clearInterval(timer));
      return;
    }
    if (path.startsWith('/silent')) return;
    if (path.startsWith('/endless-api')) {
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"data":[{"object":"embedding","index":0,"embedding":"');
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const write = (): void => {
        while (response.write(chunk)) {
          /* until the socket's buffer is full */
        }
      };
      response.on('drain', write);
      write();
      return;
    }
    if (path.startsWith('/echo-api')) {
      request.resume();
      const key = String(request.headers.authorization ?? '').replace(/^Bearer /i, '');
      response
        .writeHead(200, { 'content-type': 'application/json', 'x-echo': key })
        .end('{"data":[],"usage":{"total_tokens":0}}');
      return;
    }
    response.writeHead(404).end();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endlessImageUrl: `${base}/endless.png`,
    slowLorisImageUrl: `${base}/slow.jpg`,
    silentImageUrl: `${base}/silent.jpg`,
    endlessAnswerBaseUrl: `${base}/endless-api`,
    keyEchoBaseUrl: `${base}/echo-api`,
    async close() {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
