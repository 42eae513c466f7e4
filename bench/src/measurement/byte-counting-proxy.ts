import { createConnection, createServer, type Socket } from 'node:net';

/** Wire bytes (HTTP headers and bodies) each way. */
export interface WireBytes {
  sent: number;
  received: number;
}

/** A running loopback TCP relay that counts every byte each way. */
export interface ByteCountingProxy {
  /** `http://127.0.0.1:<port>`: use in place of the target's origin. */
  readonly origin: string;
  /** Bytes each way since the start or the last {@link reset}. */
  bytes(): WireBytes;
  /** Sets the counts to zero. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts a TCP relay on 127.0.0.1 in front of `targetPort`. Clients talk to it exactly as to the
 * server (it does not parse HTTP), so the counts are the true bytes on the wire, headers
 * included, whatever the client library does (keep-alive, compression, chunking).
 */
export async function startByteCountingProxy(targetPort: number): Promise<ByteCountingProxy> {
  let counted: WireBytes = { sent: 0, received: 0 };
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    track(client);
    track(upstream);
    client.on('data', (chunk: Buffer) => {
      counted.sent += chunk.length;
    });
    upstream.on('data', (chunk: Buffer) => {
      counted.received += chunk.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    bytes: () => ({ ...counted }),
    reset() {
      counted = { sent: 0, received: 0 };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
