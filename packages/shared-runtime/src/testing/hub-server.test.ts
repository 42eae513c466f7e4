import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureWarnings } from './capture-warnings.test-helper.js';
import { type HubServer, startHubServer } from './hub-server.js';
import { gitBlobSha1 } from './hub-server-files.js';

let directory: string;
let hub: HubServer;
const config = Buffer.from('{"model_type":"jina_clip"}');
const weights = randomBytes(20_000);
const sha256 = (content: Uint8Array) => createHash('sha256').update(content).digest('hex');
const lfsPointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(weights)}\nsize ${weights.length}\n`;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'hub-server-'));
  for (const [file, content] of [
    ['org/open/config.json', config],
    ['org/open/onnx/model.onnx', weights],
    ['org/gated/config.json', config],
    ['elsewhere/config.json', config],
  ] as const) {
    await mkdir(dirname(join(directory, file)), { recursive: true });
    await writeFile(join(directory, file), content);
  }
  hub = await startHubServer({
    root: directory,
    repos: { 'other/mapped': join(directory, 'elsewhere') },
    commit: { 'org/open': 'a'.repeat(40) },
    gated: ['org/gated'],
  });
});

afterAll(async () => {
  await hub.close();
  await rm(directory, { recursive: true, force: true });
});

beforeEach(() => hub.clearRequests());

async function call(
  url: string,
  init: { method?: 'GET' | 'HEAD'; headers?: Record<string, string> } = {},
) {
  const response = await request(url, { method: init.method ?? 'GET', headers: init.headers });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, body };
}

describe('startHubServer', () => {
  it('answers a git file with the Hub headers: X-Repo-Commit and the git sha1 ETag', async () => {
    const head = await call(`${hub.url}/org/open/resolve/main/config.json`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['x-repo-commit']).toBe('a'.repeat(40));
    expect(head.headers.etag).toBe(`"${gitBlobSha1(config)}"`);
    expect(head.headers['content-length']).toBe(String(config.length));
    expect(head.headers['x-linked-etag']).toBeUndefined();
    const get = await call(`${hub.url}/org/open/resolve/${'a'.repeat(40)}/config.json`);
    expect(get.body.equals(config)).toBe(true);
  });

  it('redirects an LFS file to the CDN origin with X-Linked-Etag and X-Linked-Size', async () => {
    const head = await call(`${hub.url}/org/open/resolve/main/onnx/model.onnx`, { method: 'HEAD' });
    expect(head.status).toBe(302);
    expect(head.headers.location).toBe(`${hub.cdnUrl}/cdn/${sha256(weights)}`);
    expect(new URL(hub.cdnUrl).origin).not.toBe(new URL(hub.url).origin);
    expect(head.headers['x-linked-etag']).toBe(`"${sha256(weights)}"`);
    expect(head.headers['x-linked-size']).toBe(String(weights.length));
    expect(head.headers.etag).toBe(`"${gitBlobSha1(Buffer.from(lfsPointer))}"`);
    const cdn = await call(head.headers.location as string);
    expect(cdn.status).toBe(200);
    expect(sha256(cdn.body)).toBe(sha256(weights));
  });

  it('serves ranges (206, Content-Range) and refuses one past the end (416)', async () => {
    const url = `${hub.cdnUrl}/cdn/${sha256(weights)}`;
    await call(`${hub.url}/org/open/resolve/main/onnx/model.onnx`, { method: 'HEAD' });
    const tail = await call(url, { headers: { range: 'bytes=15000-' } });
    expect(tail.status).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes 15000-19999/${weights.length}`);
    expect(tail.body.equals(weights.subarray(15_000))).toBe(true);
    const middle = await call(`${hub.url}/org/open/resolve/main/config.json`, {
      headers: { range: 'bytes=2-5' },
    });
    expect(middle.body.toString()).toBe(config.subarray(2, 6).toString());
    const past = await call(url, { headers: { range: `bytes=${weights.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${weights.length}`);
  });

  it('answers the Hub errors: EntryNotFound, RevisionNotFound, RepoNotFound, GatedRepo', async () => {
    const missing = await call(`${hub.url}/org/open/resolve/main/nope.json`, { method: 'HEAD' });
    expect([
      missing.status,
      missing.headers['x-error-code'],
      missing.headers['x-repo-commit'],
    ]).toEqual([404, 'EntryNotFound', 'a'.repeat(40)]);
    const revision = await call(`${hub.url}/org/open/resolve/v2/config.json`, { method: 'HEAD' });
    expect([revision.status, revision.headers['x-error-code']]).toEqual([404, 'RevisionNotFound']);
    const repo = await call(`${hub.url}/org/absent/resolve/main/config.json`, { method: 'HEAD' });
    expect([repo.status, repo.headers['x-error-code']]).toEqual([401, 'RepoNotFound']);
    const gated = await call(`${hub.url}/org/gated/resolve/main/config.json`, {
      headers: { authorization: 'Bearer wrong' },
    });
    expect([gated.status, gated.headers['x-error-code']]).toEqual([401, 'GatedRepo']);
    const allowed = await call(`${hub.url}/org/gated/resolve/main/config.json`, {
      headers: { authorization: `Bearer ${hub.token}` },
    });
    expect(allowed.status).toBe(200);
  });

  it('serves a repository mapped to a folder, with a commit derived from its id', async () => {
    const head = await call(`${hub.url}/other/mapped/resolve/main/config.json`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['x-repo-commit']).toBe(hub.commitOf('other/mapped'));
    expect(hub.commitOf('other/mapped')).toMatch(/^[0-9a-f]{40}$/);
  });

  it('logs every request with the authorization redacted', async () => {
    await call(`${hub.url}/org/gated/resolve/main/config.json`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${hub.token}` },
    });
    await call(`${hub.url}/org/open/resolve/main/config.json`, { method: 'HEAD' });
    expect(
      hub.requests.map(({ host, method, path, file, authorization, status }) => ({
        host,
        method,
        path,
        file,
        authorization,
        status,
      })),
    ).toEqual([
      {
        host: 'hub',
        method: 'HEAD',
        path: '/org/gated/resolve/main/config.json',
        file: 'config.json',
        authorization: true,
        status: 200,
      },
      {
        host: 'hub',
        method: 'HEAD',
        path: '/org/open/resolve/main/config.json',
        file: 'config.json',
        authorization: false,
        status: 200,
      },
    ]);
    expect(hub.requests[0]?.headers.authorization).toBe('[redacted]');
    expect(JSON.stringify(hub.requests)).not.toContain(hub.token);
  });

  it('corrupts or cuts one body when asked, then serves correctly again', async () => {
    const url = `${hub.url}/org/open/resolve/main/config.json`;
    hub.corruptBodyOnce('config.json');
    const corrupted = await call(url);
    expect(corrupted.body.length).toBe(config.length);
    expect(corrupted.body.equals(config)).toBe(false);
    expect((await call(url)).body.equals(config)).toBe(true);

    hub.cutBodyOnce('config.json', 5);
    const response = await request(url);
    const received: Buffer[] = [];
    await expect(
      (async () => {
        for await (const chunk of response.body) received.push(chunk as Buffer);
      })(),
    ).rejects.toThrow();
    expect(Buffer.concat(received).length).toBeLessThanOrEqual(5);
    expect((await call(url)).body.equals(config)).toBe(true);
  });

  it('serves LFS files itself when redirectToCdn is false', async () => {
    const direct = await startHubServer({ root: directory, redirectToCdn: false });
    try {
      const head = await call(`${direct.url}/org/open/resolve/main/onnx/model.onnx`, {
        method: 'HEAD',
      });
      expect(head.status).toBe(200);
      expect(head.headers.etag).toBe(`"${sha256(weights)}"`);
      expect(head.headers['x-linked-etag']).toBe(`"${sha256(weights)}"`);
      expect(head.headers['x-linked-size']).toBe(String(weights.length));
    } finally {
      await direct.close();
    }
  });

  it('streams a large file to a slow reader without a listener left per backpressure wait', async () => {
    const large = randomBytes(4 * 1024 * 1024);
    await writeFile(join(directory, 'org/open/onnx/large.onnx'), large);
    const direct = await startHubServer({ root: directory, redirectToCdn: false });
    try {
      const warnings = await captureWarnings(async () => {
        const response = await request(`${direct.url}/org/open/resolve/main/onnx/large.onnx`);
        const chunks: Buffer[] = [];
        for await (const chunk of response.body) {
          chunks.push(chunk as Buffer);
          // A slow reader: the server's writes fill the socket and wait for it to drain.
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        expect(sha256(Buffer.concat(chunks))).toBe(sha256(large));
      });
      expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      await direct.close();
    }
  });
});
