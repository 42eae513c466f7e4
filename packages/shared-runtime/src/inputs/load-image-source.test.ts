import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageLoadError } from '../errors/image-load-error.js';
import { resolveImageSourceConfig } from './image-source-options.js';
import { type LoadedImage, loadImageSource } from './load-image-source.js';

const IMAGE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);
const noFetch = { fetchUrls: false };
/** The test server listens on 127.0.0.1, which the default policy refuses. */
const loopbackPolicy = resolveImageSourceConfig({ allowPrivateNetwork: true });
const fetch = { fetchUrls: true, policy: loopbackPolicy };

function bytesOf(loaded: LoadedImage): number[] {
  if (loaded.kind !== 'bytes') throw new Error(`expected bytes, got ${loaded.kind}`);
  return Array.from(loaded.bytes);
}

async function loadError(promise: Promise<unknown>): Promise<ImageLoadError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ImageLoadError);
  return error as ImageLoadError;
}

let directory: string;
let imagePath: string;
let server: Server;
let origin: string;
const requests: { method: string | undefined; url: string | undefined; accept: unknown }[] = [];
const hanging = new Set<IncomingMessage>();

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'jina-clip-image-source-'));
  imagePath = join(directory, 'image one.png');
  await writeFile(imagePath, IMAGE);
  await writeFile(join(directory, 'empty.png'), new Uint8Array(0));
  server = createServer((request, response) => {
    requests.push({ method: request.method, url: request.url, accept: request.headers.accept });
    switch (request.url) {
      case '/image.png':
        response.writeHead(200, { 'content-type': 'image/png' }).end(IMAGE);
        return;
      case '/moved':
        response.writeHead(302, { location: '/image.png' }).end();
        return;
      case '/empty':
        response.writeHead(200).end();
        return;
      case '/slow':
        hanging.add(request);
        response.writeHead(200, { 'content-type': 'image/png' });
        response.write(IMAGE.subarray(0, 4));
        return;
      default:
        response.writeHead(404, { 'content-type': 'text/plain' }).end('no such image');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(directory, { recursive: true, force: true });
});

describe('loadImageSource: unparsable URL strings in messages', () => {
  it('redacts user:password and the signed query of a URL string that does not parse', async () => {
    const error = await loadError(
      loadImageSource('https://user:pa55w0rd@[::1/cat.png?X-Amz-Signature=s3cr3t', 0, {
        fetchUrls: true,
      }),
    );
    expect(error.message).toContain('invalid URL');
    expect(error.message).toContain('https://[redacted]@[::1/cat.png?[redacted]');
    const text = `${error.message} ${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`;
    expect(text).not.toContain('pa55w0rd');
    expect(text).not.toContain('s3cr3t');
  });

  it('escapes line breaks in a path given as an image', async () => {
    const error = await loadError(
      loadImageSource('missing\n2026 INFO forged.png', 0, {
        fetchUrls: false,
        policy: resolveImageSourceConfig({ allowFilePaths: true }),
      }),
    );
    expect(error.message).not.toContain('\n2026');
    expect(error.message).toContain('missing\\n2026 INFO forged.png');
  });
});

describe('loadImageSource: URLs', () => {
  it('passes an http(s) URL string or URL object through when not fetching', async () => {
    expect(await loadImageSource('https://example.com/cat.png', 0, noFetch)).toEqual({
      kind: 'url',
      url: 'https://example.com/cat.png',
    });
    expect(await loadImageSource(new URL('http://example.com/a b.jpg'), 0, noFetch)).toEqual({
      kind: 'url',
      url: 'http://example.com/a%20b.jpg',
    });
    expect(await loadImageSource('  HTTPS://Example.com/x.png ', 0, noFetch)).toEqual({
      kind: 'url',
      url: 'https://example.com/x.png',
    });
  });

  it('downloads a URL when fetching, sending one GET', async () => {
    requests.length = 0;
    const loaded = await loadImageSource(`${origin}/image.png`, 0, fetch);
    expect(loaded).toMatchObject({ kind: 'bytes', description: `${origin}/image.png` });
    expect(bytesOf(loaded)).toEqual(Array.from(IMAGE));
    expect(requests).toEqual([{ method: 'GET', url: '/image.png', accept: 'image/*, */*;q=0.8' }]);
  });

  it('follows redirects', async () => {
    requests.length = 0;
    const loaded = await loadImageSource(new URL(`${origin}/moved`), 0, fetch);
    expect(bytesOf(loaded)).toEqual(Array.from(IMAGE));
    expect(requests.map((request) => request.url)).toEqual(['/moved', '/image.png']);
  });

  it('fails on a non-2xx answer, naming the input and the URL', async () => {
    const error = await loadError(loadImageSource(`${origin}/missing.png`, 3, fetch));
    expect(error.inputIndex).toBe(3);
    expect(error.message).toBe(
      `Input 3: cannot read image ${origin}/missing.png: the server answered HTTP 404.`,
    );
  });

  it('fails on an empty body', async () => {
    const error = await loadError(loadImageSource(`${origin}/empty`, 1, fetch));
    expect(error.message).toBe(
      `Input 1: cannot read image ${origin}/empty: the response is empty.`,
    );
  });

  it('fails on a refused connection, with the cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await loadError(loadImageSource(`http://127.0.0.1:${port}/x.png`, 2, fetch));
    expect(error.message).toMatch(
      new RegExp(
        `^Input 2: cannot read image http://127\\.0\\.0\\.1:${port}/x\\.png: .*ECONNREFUSED`,
      ),
    );
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('rejects with the signal reason when aborted mid-download', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const pending = loadImageSource(`${origin}/slow`, 0, {
      ...fetch,
      signal: controller.signal,
    });
    await expect.poll(() => hanging.size).toBe(1);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('rejects with the signal reason when already aborted', async () => {
    const reason = new Error('already');
    const signal = AbortSignal.abort(reason);
    await expect(loadImageSource(imagePath, 0, { fetchUrls: false, signal })).rejects.toBe(reason);
    await expect(
      loadImageSource(`${origin}/image.png`, 0, { fetchUrls: true, signal }),
    ).rejects.toBe(reason);
  });

  it('hides credentials and shortens long URLs in messages', async () => {
    const longPath = `/${'x'.repeat(300)}.png`;
    const error = await loadError(
      loadImageSource(`http://user:secret@127.0.0.1:${new URL(origin).port}${longPath}`, 0, fetch),
    );
    expect(error.message).not.toContain('secret');
    expect(error.message).not.toContain('user');
    const description = error.message.slice('Input 0: cannot read image '.length).split(': ')[0]!;
    expect(description.length).toBeLessThanOrEqual(100);
    expect(description).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/x+\.\.\.x+\.png$/);
  });

  it('leaves the query (a presigned URL signature) out of messages', async () => {
    const error = await loadError(
      loadImageSource(`${origin}/missing.png?X-Amz-Signature=abc123secret#part`, 2, fetch),
    );
    expect(error.message).not.toContain('abc123secret');
    expect(error.message).not.toContain('#part');
    expect(error.message).toContain(`Input 2: cannot read image ${origin}/missing.png: `);
  });

  it('refuses other protocols', async () => {
    const error = await loadError(loadImageSource('ftp://example.com/a.png', 4, noFetch));
    expect(error.message).toBe(
      'Input 4: cannot read image ftp://example.com/a.png: unsupported protocol "ftp:" (use http:, https:, data:, file: or a path).',
    );
  });
});

describe('loadImageSource: data: URIs', () => {
  it('decodes base64', async () => {
    const uri = `data:image/png;base64,${Buffer.from(IMAGE).toString('base64')}`;
    const loaded = await loadImageSource(uri, 0, noFetch);
    expect(loaded).toMatchObject({
      kind: 'bytes',
      description: `data: URI (${IMAGE.length} bytes)`,
    });
    expect(bytesOf(loaded)).toEqual(Array.from(IMAGE));
  });

  it('decodes base64 with whitespace, and as a URL object', async () => {
    const base64 = Buffer.from(IMAGE).toString('base64');
    const uri = `data:image/png;BASE64,${base64.slice(0, 8)}\n${base64.slice(8)}`;
    expect(bytesOf(await loadImageSource(uri, 0, noFetch))).toEqual(Array.from(IMAGE));
    const url = new URL(`data:image/png;base64,${base64}`);
    expect(bytesOf(await loadImageSource(url, 0, noFetch))).toEqual(Array.from(IMAGE));
  });

  it('decodes percent-encoding', async () => {
    const loaded = await loadImageSource('data:image/svg+xml,%3Csvg%2F%3E%89 é', 0, noFetch);
    expect(bytesOf(loaded)).toEqual([
      ...Buffer.from('<svg/>'),
      0x89,
      0x20,
      ...Buffer.from('é', 'utf8'),
    ]);
  });

  it('fails on a malformed URI or invalid base64 without printing the data', async () => {
    const secret = 'c2VjcmV0LWRhdGE';
    const noComma = await loadError(loadImageSource(`data:image/png;base64${secret}`, 5, noFetch));
    expect(noComma.message).toBe(
      'Input 5: cannot read image data: URI (36 bytes): malformed, no comma.',
    );
    const invalid = await loadError(
      loadImageSource(`data:image/png;base64,${secret}!!`, 6, noFetch),
    );
    expect(invalid.message).toBe(
      'Input 6: cannot read image data: URI (39 bytes): invalid base64.',
    );
    expect(invalid.message).not.toContain(secret);
    const empty = await loadError(loadImageSource('data:image/png;base64,', 7, noFetch));
    expect(empty.message).toBe('Input 7: cannot read image data: URI (0 bytes): it is empty.');
  });
});

describe('loadImageSource: files', () => {
  it('reads an absolute path', async () => {
    const loaded = await loadImageSource(imagePath, 0, noFetch);
    expect(loaded).toMatchObject({ kind: 'bytes', description: imagePath, ownsBuffer: true });
    expect(bytesOf(loaded)).toEqual(Array.from(IMAGE));
    // A buffer of its own (one byte longer: the read that shows the end), not Node's shared
    // pool, even for a file this small: so it can be transferred to a worker thread.
    const { bytes } = loaded as { bytes: Uint8Array };
    expect([bytes.byteOffset, bytes.buffer.byteLength]).toEqual([0, IMAGE.length + 1]);
  });

  it('reads a path relative to the working directory', async () => {
    const path = relative(process.cwd(), imagePath);
    expect(path.startsWith('/')).toBe(false);
    expect(bytesOf(await loadImageSource(path, 0, noFetch))).toEqual(Array.from(IMAGE));
  });

  it('reads a file: URL, as a string or a URL object', async () => {
    const url = pathToFileURL(imagePath);
    expect(bytesOf(await loadImageSource(url.href, 0, noFetch))).toEqual(Array.from(IMAGE));
    const loaded = await loadImageSource(url, 0, noFetch);
    expect(loaded).toMatchObject({ description: url.href });
    expect(bytesOf(loaded)).toEqual(Array.from(IMAGE));
  });

  it('fails on a missing file with the cause, naming the path', async () => {
    const missing = join(directory, 'missing.png');
    const error = await loadError(loadImageSource(missing, 8, noFetch));
    expect(error.inputIndex).toBe(8);
    expect(error.message).toBe(`Input 8: cannot read image ${missing}: no such file.`);
    expect(error.cause).toMatchObject({ code: 'ENOENT' });
  });

  it('fails on a directory and on an empty file', async () => {
    const folder = await loadError(loadImageSource(directory, 0, noFetch));
    expect(folder.message).toBe(`Input 0: cannot read image ${directory}: it is a directory.`);
    const emptyPath = join(directory, 'empty.png');
    const empty = await loadError(loadImageSource(emptyPath, 0, noFetch));
    expect(empty.message).toBe(`Input 0: cannot read image ${emptyPath}: the file is empty.`);
  });

  it('shortens a long path in the message', async () => {
    const long = join(directory, `${'deep/'.repeat(40)}image.png`);
    const error = await loadError(loadImageSource(long, 0, noFetch));
    const description = error.message.slice(
      'Input 0: cannot read image '.length,
      -': no such file.'.length,
    );
    expect(description.length).toBe(100);
    expect(description.startsWith(long.slice(0, 57))).toBe(true);
    expect(description.endsWith(`...${long.slice(-40)}`)).toBe(true);
  });
});

describe('loadImageSource: bytes', () => {
  it('takes a Uint8Array or Buffer as it is', async () => {
    const loaded = await loadImageSource(IMAGE, 0, noFetch);
    expect(loaded).toEqual({ kind: 'bytes', bytes: IMAGE, description: '12 bytes' });
    const buffer = Buffer.from(IMAGE);
    expect((await loadImageSource(buffer, 0, noFetch)) as { bytes: unknown }).toMatchObject({
      bytes: buffer,
    });
  });

  it('takes an ArrayBuffer', async () => {
    const loaded = await loadImageSource(IMAGE.slice().buffer, 0, noFetch);
    expect(loaded).toMatchObject({ description: 'ArrayBuffer (12 bytes)' });
    expect(bytesOf(loaded)).toEqual(Array.from(IMAGE));
  });

  it('takes a Blob', async () => {
    const loaded = await loadImageSource(new Blob([IMAGE], { type: 'image/png' }), 0, noFetch);
    expect(loaded).toMatchObject({ description: 'Blob (image/png, 12 bytes)' });
    expect(bytesOf(loaded)).toEqual(Array.from(IMAGE));
  });

  it('fails on empty bytes', async () => {
    const error = await loadError(loadImageSource(new Uint8Array(0), 9, noFetch));
    expect(error.message).toBe('Input 9: cannot read image 0 bytes: it is empty.');
    const blob = await loadError(loadImageSource(new Blob([]), 9, noFetch));
    expect(blob.message).toBe('Input 9: cannot read image Blob (0 bytes): it is empty.');
  });

  it('fails on a value that is not an image source', async () => {
    const error = await loadError(loadImageSource(42 as never, 1, noFetch));
    expect(error.message).toBe(
      'Input 1: cannot read image number: not a URL, path, data: URI, Uint8Array, ArrayBuffer or Blob.',
    );
  });
});
