import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageLoadError } from '../errors/image-load-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { readImageBytes } from './read-image-bytes.js';

const IMAGE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7, 8, 9]);

let directory: string;
let server: Server;
let origin: string;
const requested: string[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'jina-clip-read-image-bytes-'));
  server = createServer((request, response) => {
    requested.push(request.url ?? '');
    if (request.url === '/image.png') response.writeHead(200).end(IMAGE);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('readImageBytes', () => {
  it('downloads a URL byte for byte under the given policy', async () => {
    const bytes = await readImageBytes(`${origin}/image.png`, { allowPrivateNetwork: true });
    expect(Array.from(bytes)).toEqual(Array.from(IMAGE));
  });

  it('refuses a loopback URL by default, before any request', async () => {
    const before = requested.length;
    const error = await rejection(readImageBytes(`${origin}/image.png`));
    expect(error).toBeInstanceOf(ImageLoadError);
    expect((error as ImageLoadError).reason).toBe('blocked-address');
    expect((error as ImageLoadError).inputIndex).toBe(0);
    expect(requested.length).toBe(before);
  });

  it('names a missing object and a source over maxImageBytes', async () => {
    const missing = await rejection(
      readImageBytes(`${origin}/gone.png`, { allowPrivateNetwork: true }),
    );
    expect((missing as ImageLoadError).reason).toBe('not-found');
    expect((missing as ImageLoadError).message).toContain('/gone.png');
    const large = await rejection(
      readImageBytes(`${origin}/image.png`, {
        allowPrivateNetwork: true,
        maxImageBytes: IMAGE.byteLength - 1,
      }),
    );
    expect((large as ImageLoadError).reason).toBe('too-large');
    expect((large as ImageLoadError).limit).toBe(IMAGE.byteLength - 1);
  });

  it('reads a path only inside imageFileRoot', async () => {
    const path = join(directory, 'image.png');
    await writeFile(path, IMAGE);
    expect(Array.from(await readImageBytes(path, { imageFileRoot: directory }))).toEqual(
      Array.from(IMAGE),
    );
    await mkdir(join(directory, 'sub'));
    const outside = await rejection(
      readImageBytes(path, { imageFileRoot: join(directory, 'sub') }),
    );
    expect((outside as ImageLoadError).reason).toBe('blocked-path');
  });

  it('checks its options before reading, and rejects with the abort reason', async () => {
    const before = requested.length;
    const invalid = await rejection(readImageBytes(`${origin}/image.png`, { maxImageBytes: 0 }));
    expect(invalid).toBeInstanceOf(InvalidInputError);
    expect((invalid as InvalidInputError).field).toBe('maxImageBytes');
    const reason = new Error('stop');
    const aborted = await rejection(
      readImageBytes(`${origin}/image.png`, {
        allowPrivateNetwork: true,
        signal: AbortSignal.abort(reason),
      }),
    );
    expect(aborted).toBe(reason);
    expect(requested.length).toBe(before);
  });
});
