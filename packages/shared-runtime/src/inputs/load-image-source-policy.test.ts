import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveApiConfig } from '../api/resolve-api-config.js';
import { ImageLoadError } from '../errors/image-load-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { resolveLocalConfig } from '../local/resolve-local-config.js';
import {
  IMAGE_SOURCE_DEFAULTS,
  type ImageSourceOptions,
  resolveImageSourceConfig,
} from './image-source-options.js';
import { type LoadedImage, loadImageSource } from './load-image-source.js';
import { isPrivateAddress } from './private-address.js';

const IMAGE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);

function options(policy: ImageSourceOptions, fetchUrls = true) {
  return { fetchUrls, policy: resolveImageSourceConfig(policy) };
}

async function loadError(promise: Promise<unknown>): Promise<ImageLoadError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ImageLoadError);
  return error as ImageLoadError;
}

function bytesOf(loaded: LoadedImage): number[] {
  if (loaded.kind !== 'bytes') throw new Error(`expected bytes, got ${loaded.kind}`);
  return Array.from(loaded.bytes);
}

let directory: string;
let server: Server;
let origin: string;
let port: number;
const paths: string[] = [];
const open = new Set<ServerResponse>();

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'jina-clip-image-policy-'));
  server = createServer((request, response) => {
    paths.push(request.url ?? '');
    const hop = /^\/hop\/(\d+)$/.exec(request.url ?? '');
    if (hop) {
      const left = Number(hop[1]);
      response.writeHead(302, { location: left === 0 ? '/image.png' : `/hop/${left - 1}` }).end();
      return;
    }
    switch (request.url) {
      case '/image.png':
        response.writeHead(200, { 'content-type': 'image/png' }).end(IMAGE);
        return;
      case '/declared-large':
        // Declares 2000 bytes and sends none: refused on the header alone.
        open.add(response);
        response.writeHead(200, { 'content-length': '2000' });
        response.flushHeaders();
        return;
      case '/endless':
        // Chunked, no length: 100-byte chunks for ever, until the client hangs up.
        open.add(response);
        response.writeHead(200, { 'content-type': 'image/png' });
        {
          const timer = setInterval(() => response.write(Buffer.alloc(100, 1)), 1);
          response.on('close', () => clearInterval(timer));
        }
        return;
      case '/drip':
        // Slow loris: headers, then one byte every 100 ms.
        open.add(response);
        response.writeHead(200, { 'content-type': 'image/png' });
        {
          const timer = setInterval(() => response.write(Buffer.from([1])), 100);
          response.on('close', () => clearInterval(timer));
        }
        return;
      case '/silent':
        // Never answers.
        open.add(response);
        return;
      default:
        response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(directory, { recursive: true, force: true });
});

describe('resolveImageSourceConfig', () => {
  it('applies the documented defaults', () => {
    expect(resolveImageSourceConfig()).toEqual({
      maxImageBytes: 33_554_432,
      maxImagePixels: 89_478_485,
      maxImageScans: 100,
      maxImageFrames: 10_000,
      maxImageAspectRatio: 200,
      imageDecodeTimeout: 15_000,
      imageDownloadTimeout: 30_000,
      maxRedirects: 3,
      allowPrivateNetwork: false,
      allowFilePaths: true,
      imageFileRoot: undefined,
    });
    expect(resolveImageSourceConfig()).toEqual(IMAGE_SOURCE_DEFAULTS);
  });

  it.each([
    ['maxImageBytes', 0],
    ['maxImageBytes', 1.5],
    ['maxImagePixels', -1],
    ['maxImageScans', 0],
    ['maxImageFrames', 2.5],
    ['maxImageAspectRatio', '200'],
    ['imageDecodeTimeout', 999],
    ['imageDownloadTimeout', '30s'],
    ['maxRedirects', 21],
    ['allowPrivateNetwork', 'yes'],
    ['allowFilePaths', 1],
    ['imageFileRoot', ''],
  ])('refuses %s: %j with an InvalidInputError naming it', (field, value) => {
    expect(() => resolveImageSourceConfig({ [field]: value } as ImageSourceOptions)).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', field }),
    );
  });

  it('is validated by both backends', () => {
    for (const resolve of [resolveApiConfig, resolveLocalConfig]) {
      expect(() => resolve({ maxRedirects: -1 })).toThrow(
        expect.objectContaining({ name: 'InvalidInputError', field: 'maxRedirects' }),
      );
      expect(resolve({ maxImageBytes: 5, allowPrivateNetwork: true }).images).toMatchObject({
        maxImageBytes: 5,
        allowPrivateNetwork: true,
      });
    }
  });

  it('refuses imageFileRoot together with allowFilePaths: false', () => {
    const call = () => resolveImageSourceConfig({ allowFilePaths: false, imageFileRoot: '/tmp' });
    expect(call).toThrow(InvalidInputError);
    expect(call).toThrow(expect.objectContaining({ field: 'imageFileRoot' }));
  });
});

describe('loadImageSource: byte cap (maxImageBytes)', () => {
  const cap = { maxImageBytes: 11, allowPrivateNetwork: true };

  it('accepts bytes at the cap and refuses one more, for every in-memory source', async () => {
    const at = { maxImageBytes: 12 };
    expect(bytesOf(await loadImageSource(IMAGE, 0, options(at, false)))).toEqual(Array.from(IMAGE));
    for (const [source, description] of [
      [IMAGE, '12 bytes'],
      [IMAGE.slice().buffer, 'ArrayBuffer (12 bytes)'],
      [new Blob([IMAGE], { type: 'image/png' }), 'Blob (image/png, 12 bytes)'],
    ] as const) {
      const error = await loadError(loadImageSource(source, 4, options(cap, false)));
      expect(error).toMatchObject({ inputIndex: 4, reason: 'too-large', limit: 11 });
      expect(error.message).toBe(
        `Input 4: cannot read image ${description}: it is larger than maxImageBytes (11 bytes).`,
      );
    }
  });

  it('refuses a file over the cap, and reads one at the cap', async () => {
    const path = join(directory, 'twelve.png');
    await writeFile(path, IMAGE);
    expect(bytesOf(await loadImageSource(path, 0, options({ maxImageBytes: 12 }, false)))).toEqual(
      Array.from(IMAGE),
    );
    const error = await loadError(loadImageSource(path, 2, options(cap, false)));
    expect(error).toMatchObject({ inputIndex: 2, reason: 'too-large', limit: 11 });
  });

  it('refuses data: URIs whose decoded size is over the cap, base64 or percent-encoded', async () => {
    const base64 = `data:image/png;base64,${Buffer.from(IMAGE).toString('base64')}`;
    const percent = `data:image/png,${Array.from(IMAGE, (byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')}`;
    for (const uri of [base64, percent]) {
      expect(bytesOf(await loadImageSource(uri, 0, options({ maxImageBytes: 12 }, false)))).toEqual(
        Array.from(IMAGE),
      );
      const error = await loadError(loadImageSource(uri, 1, options(cap, false)));
      expect(error).toMatchObject({ inputIndex: 1, reason: 'too-large', limit: 11 });
    }
  });

  it('refuses a download whose Content-Length is over the cap, before its body', async () => {
    const error = await loadError(loadImageSource(`${origin}/declared-large`, 3, options(cap)));
    expect(error).toMatchObject({ inputIndex: 3, reason: 'too-large', limit: 11 });
    expect(error.message).toBe(
      `Input 3: cannot read image ${origin}/declared-large: it is larger than maxImageBytes (11 bytes).`,
    );
  });

  it('stops an endless chunked download at the cap', async () => {
    const policy = { maxImageBytes: 50_000, allowPrivateNetwork: true };
    const error = await loadError(loadImageSource(`${origin}/endless`, 0, options(policy)));
    expect(error).toMatchObject({ reason: 'too-large', limit: 50_000 });
  });
});

describe('loadImageSource: download timeout and redirects', () => {
  it('times out a slow-loris body (1 byte per 100 ms) after imageDownloadTimeout', async () => {
    const policy = { imageDownloadTimeout: 500, allowPrivateNetwork: true };
    const started = performance.now();
    const error = await loadError(loadImageSource(`${origin}/drip`, 5, options(policy)));
    expect(error).toMatchObject({ inputIndex: 5, reason: 'timeout', limit: 500 });
    expect(error.message).toBe(
      `Input 5: cannot read image ${origin}/drip: the download took longer than imageDownloadTimeout (500 ms).`,
    );
    // The body kept arriving: only a total timeout ends it (generous bound, noisy machine).
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('times out a server that never sends headers', async () => {
    const policy = { imageDownloadTimeout: 300, allowPrivateNetwork: true };
    const error = await loadError(loadImageSource(`${origin}/silent`, 0, options(policy)));
    expect(error).toMatchObject({ reason: 'timeout', limit: 300 });
  });

  it('follows maxRedirects redirects and refuses one more', async () => {
    const policy = { maxRedirects: 2, allowPrivateNetwork: true };
    paths.length = 0;
    expect(bytesOf(await loadImageSource(`${origin}/hop/1`, 0, options(policy)))).toEqual(
      Array.from(IMAGE),
    );
    expect(paths).toEqual(['/hop/1', '/hop/0', '/image.png']);
    paths.length = 0;
    const error = await loadError(loadImageSource(`${origin}/hop/2`, 6, options(policy)));
    expect(error).toMatchObject({ inputIndex: 6, reason: 'too-many-redirects', limit: 2 });
    expect(paths).toEqual(['/hop/2', '/hop/1', '/hop/0']);
    const none = await loadError(
      loadImageSource(
        `${origin}/hop/0`,
        0,
        options({ maxRedirects: 0, allowPrivateNetwork: true }),
      ),
    );
    expect(none).toMatchObject({ reason: 'too-many-redirects', limit: 0 });
  });
});

describe('loadImageSource: private addresses', () => {
  it.each([
    'http://127.0.0.1:PORT/image.png',
    'http://127.1:PORT/image.png',
    'http://0x7f000001:PORT/image.png',
    'http://2130706433:PORT/image.png',
    'http://[::ffff:127.0.0.1]:PORT/image.png',
    'http://[::1]:PORT/image.png',
    'http://0.0.0.0:PORT/image.png',
    'http://localhost:PORT/image.png',
  ])('refuses %s by default, without sending a request', async (template) => {
    paths.length = 0;
    const url = template.replace('PORT', String(port));
    const error = await loadError(loadImageSource(url, 7, options({})));
    expect(error).toMatchObject({ inputIndex: 7, reason: 'blocked-address' });
    expect(error.message).toMatch(
      /^Input 7: cannot read image http:\/\/.*: .* is a private, loopback or link-local address \(set allowPrivateNetwork to download from it\)\.$/,
    );
    expect(paths).toEqual([]);
  });

  it('downloads from loopback with allowPrivateNetwork', async () => {
    const loaded = await loadImageSource(`http://localhost:${port}/image.png`, 0, {
      fetchUrls: true,
      policy: resolveImageSourceConfig({ allowPrivateNetwork: true }),
    });
    expect(bytesOf(loaded)).toEqual(Array.from(IMAGE));
  });

  it('classifies addresses: private, loopback, link-local, CGNAT, unspecified, mapped, NAT64, 6to4, Teredo', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::',
      '::1',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '::ffff:169.254.169.254',
      '[::ffff:7f00:1]',
      // The IPv4 address inside well-known NAT64 and 6to4 addresses is checked.
      '64:ff9b::127.0.0.1',
      '64:ff9b::7f00:1',
      '[64:ff9b::a9fe:a9fe]',
      '64:FF9B:0:0:0:0:0A00:0001',
      '2002:7f00:1::',
      '2002:a9fe:a9fe::1',
      '2002:c0a8:101:0:0:0:0:1',
      // Teredo (the IPv4 host is obfuscated), local-use NAT64, documentation, discard-only.
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      '64:ff9b:1::808:808',
      '2001:db8::1',
      '100::1',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of [
      '8.8.8.8',
      '172.32.0.1',
      '100.128.0.1',
      '2606:4700::1111',
      '::ffff:1.1.1.1',
      '64:ff9b::8.8.8.8',
      '64:ff9b::808:808',
      '2002:808:808::1',
      '2001:4860:4860::8888',
    ]) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });
});

describe('loadImageSource: file paths (allowFilePaths, imageFileRoot)', () => {
  it('refuses every path and file: URL with allowFilePaths: false', async () => {
    const path = join(directory, 'inside.png');
    await writeFile(path, IMAGE);
    for (const source of [path, pathToFileURL(path).href, pathToFileURL(path)]) {
      const error = await loadError(loadImageSource(source, 2, options({ allowFilePaths: false })));
      expect(error).toMatchObject({ inputIndex: 2, reason: 'blocked-path' });
      expect(error.message).toMatch(/file paths are not allowed \(allowFilePaths: false\)\.$/);
    }
  });

  it('reads inside imageFileRoot and refuses `..` and symbolic links leading out of it', async () => {
    const root = join(directory, 'root');
    await mkdir(join(root, 'sub'), { recursive: true });
    await writeFile(join(root, 'sub', 'in.png'), IMAGE);
    await writeFile(join(directory, 'outside.png'), IMAGE);
    await symlink(join(directory, 'outside.png'), join(root, 'link.png'));
    const policy = options({ imageFileRoot: root }, false);
    expect(bytesOf(await loadImageSource(join(root, 'sub', 'in.png'), 0, policy))).toEqual(
      Array.from(IMAGE),
    );
    expect(
      bytesOf(await loadImageSource(join(root, 'sub', '..', 'sub', 'in.png'), 0, policy)),
    ).toEqual(Array.from(IMAGE));
    for (const outside of [
      join(root, '..', 'outside.png'),
      join(root, 'link.png'),
      pathToFileURL(join(root, 'link.png')).href,
    ]) {
      const error = await loadError(loadImageSource(outside, 1, policy));
      expect(error).toMatchObject({ inputIndex: 1, reason: 'blocked-path' });
      expect(error.message).toMatch(/: it is outside imageFileRoot\.$/);
    }
    const missing = await loadError(loadImageSource(join(root, 'nope.png'), 0, policy));
    expect(missing).toMatchObject({ reason: 'not-found' });
  });
});
