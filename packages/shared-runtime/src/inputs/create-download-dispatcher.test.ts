import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCKED_ADDRESS_CODE, createDownloadDispatcher } from './create-download-dispatcher.js';

/**
 * Every host reachable here is loopback, so these tests block one loopback address (127.0.0.2)
 * or all but one, to show that each redirect hop is checked again at connect time: by address
 * for an IP literal, by what the name resolves to otherwise.
 */
const hits: string[] = [];
let first: Server;
let second: Server;
let firstPort: number;
let secondPort: number;

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port)),
  );
}

beforeAll(async () => {
  first = createServer((incoming, response) => {
    hits.push(`first ${incoming.url}`);
    if (incoming.url === '/to-second') {
      response.writeHead(302, { location: `http://127.0.0.2:${secondPort}/image` }).end();
    } else if (incoming.url === '/to-localhost') {
      response.writeHead(302, { location: `http://localhost:${secondPort}/image` }).end();
    } else {
      response.end('first');
    }
  });
  second = createServer((incoming, response) => {
    hits.push(`second ${incoming.url}`);
    if (incoming.url === '/to-localhost') {
      response.writeHead(302, { location: `http://localhost:${firstPort}/image` }).end();
    } else {
      response.end('second');
    }
  });
  firstPort = await listen(first, '127.0.0.1');
  secondPort = await listen(second, '127.0.0.2');
});

afterAll(async () => {
  for (const server of [first, second]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function fetchText(url: string, isBlocked: (address: string) => boolean): Promise<string> {
  const dispatcher = createDownloadDispatcher({
    allowPrivateNetwork: false,
    maxRedirects: 3,
    isBlocked,
  });
  try {
    const response = await request(url, { dispatcher });
    return await response.body.text();
  } finally {
    await dispatcher.close();
  }
}

describe('createDownloadDispatcher', () => {
  it('checks the address of a redirect hop to an IP literal, before connecting', async () => {
    hits.length = 0;
    const onlySecond = (address: string) => address === '127.0.0.2';
    expect(await fetchText(`http://127.0.0.1:${firstPort}/image`, onlySecond)).toBe('first');
    await expect(fetchText(`http://127.0.0.1:${firstPort}/to-second`, onlySecond)).rejects.toThrow(
      expect.objectContaining({ code: BLOCKED_ADDRESS_CODE }),
    );
    expect(hits).toEqual(['first /image', 'first /to-second']);
  });

  it('checks what a redirect hop to a name resolves to, before connecting', async () => {
    hits.length = 0;
    const allButSecond = (address: string) => address !== '127.0.0.2';
    const error = await fetchText(`http://127.0.0.2:${secondPort}/to-localhost`, allButSecond)
      .then(() => undefined)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: BLOCKED_ADDRESS_CODE });
    expect((error as Error).message).toMatch(/^localhost \((127\.0\.0\.1|::1)\) is a private/);
    expect(hits).toEqual(['second /to-localhost']);
  });
});
