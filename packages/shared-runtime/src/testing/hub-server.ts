import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeServedFile, type HubServedFile } from './hub-server-files.js';

/** Options of {@link startHubServer}. */
export interface HubServerOptions {
  /** A folder holding one folder per repository: `<root>/<org>/<name>/<files>`. */
  root?: string;
  /** Repository id -> folder of its files; wins over `root`. */
  repos?: Readonly<Record<string, string>>;
  /**
   * The commit every repository's `main` resolves to, or one per repository id.
   * @default a fixed 40-hex hash derived from the repository id
   */
  commit?: string | Readonly<Record<string, string>>;
  /** Repositories that answer 401 unless the request carries `Authorization: Bearer <token>`. @default [] */
  gated?: readonly string[];
  /** The token gated repositories accept. @default 'hf_loopback_test_token' */
  token?: string;
  /**
   * Redirect LFS files to the CDN listener (another port, so another origin, as the Hub's CDN is
   * another host). When false the Hub serves them itself, still with the X-Linked-* headers.
   * @default true
   */
  redirectToCdn?: boolean;
  /**
   * Files of this size or more are LFS files; so are *.onnx, *.onnx_data, *.bin, *.safetensors,
   * *.pt and *.h5 whatever their size.
   * @default 10 MiB (the Hub's limit for files outside LFS)
   */
  lfsThreshold?: number;
}

/** One request the loopback Hub received. */
export interface HubRequestRecord {
  /** `hub` for the Hub listener, `cdn` for the CDN one. */
  readonly host: 'hub' | 'cdn';
  readonly method: string;
  /** Path and query as received, still percent-encoded. */
  readonly path: string;
  /** Repository path of the file concerned (decoded), when the request names one. */
  readonly file: string | undefined;
  /** Lower-cased request headers; `authorization` reads `[redacted]`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether an `Authorization` header was sent. */
  readonly authorization: boolean;
  /** Status of the answer (0 until answered). */
  status: number;
}

/** Slows the content of GET responses. */
export interface HubServerDelay {
  /** Only this repository file. @default every file */
  file?: string;
  /** Wait before the response headers. @default 0 */
  beforeHeadersMs?: number;
  /** Wait before each chunk of the body. @default 0 */
  perChunkMs?: number;
  /** Body chunk size. @default 65536 */
  chunkBytes?: number;
}

/**
 * How the loopback Hub misbehaves, to test a client against a hostile or broken Hub (see
 * {@link HubServer.setMisbehaviour}). Every field applies to the Hub listener's answers.
 */
export interface HubServerMisbehaviour {
  /** Every answer (200, 302 and errors alike) carries this `X-Repo-Commit` instead of the commit. */
  repoCommit?: string;
  /**
   * Answers for files carry this `ETag`, no `X-Linked-*` headers and no `Content-Length`; a
   * `GET` then streams `endlessBytes` bytes of zeros without a length.
   */
  etag?: string;
  /** Bytes a `GET` streams when `etag` is set. @default 64 MiB */
  endlessBytes?: number;
  /** Never answer: every request is held open, without a byte, until the server closes. */
  silent?: boolean;
}

/** A running loopback Hugging Face Hub. */
export interface HubServer {
  /** The Hub's base URL (`http://127.0.0.1:<port>`): the `endpoint` / `HF_ENDPOINT` to use. */
  readonly url: string;
  /** The CDN listener's base URL (another port: another origin). */
  readonly cdnUrl: string;
  /** The token gated repositories accept. */
  readonly token: string;
  /** Every request received, in arrival order. */
  readonly requests: readonly HubRequestRecord[];
  /** The commit `repo`'s `main` resolves to. */
  commitOf(repo: string): string;
  /** Forgets the requests received so far. */
  clearRequests(): void;
  /**
   * The next GET serving `file` (Hub or CDN) sends `afterBytes` bytes of its body and then drops
   * the connection. Each call queues one cut.
   */
  cutBodyOnce(file: string, afterBytes: number): void;
  /** The next GET serving `file` sends wrong bytes (same length). Each call queues one. */
  corruptBodyOnce(file: string): void;
  /** Slows GET bodies from now on; undefined stops it. */
  setDelay(delay: HubServerDelay | undefined): void;
  /** Misbehaves from now on (a hostile or broken Hub); undefined stops it. */
  setMisbehaviour(misbehaviour: HubServerMisbehaviour | undefined): void;
  /** Stops both listeners, dropping open connections. */
  close(): Promise<void>;
}

type Fault = { kind: 'cut'; file: string; afterBytes: number } | { kind: 'corrupt'; file: string };

const RESOLVE_PATH = /^\/((?:[^/]+\/)?[^/]+)\/resolve\/([^/]+)\/(.+)$/;
const CDN_PATH = /^\/cdn\/([0-9a-f]{64})$/;

/**
 * Starts a loopback imitation of the Hugging Face Hub's file endpoint on 127.0.0.1, for tests
 * that download models offline. `HEAD`/`GET /{org}/{name}/resolve/{revision}/{path}` answers
 * with the Hub's headers: `X-Repo-Commit`; for git files `ETag: "<git sha1>"`; for LFS files a
 * 302 to the CDN listener (`/cdn/<sha256>`) with `X-Linked-Etag: "<sha256>"`, `X-Linked-Size`
 * and the pointer file's `ETag`. Both listeners honour `Range` (206 + `Content-Range`, 416).
 * Errors are the Hub's: 401 `GatedRepo` for a gated repository without the token, 401 (404 with
 * a token) `RepoNotFound`, 404 `RevisionNotFound` (revisions: `main` and the commit), 404
 * `EntryNotFound` with `X-Repo-Commit`.
 */
export async function startHubServer(options: HubServerOptions = {}): Promise<HubServer> {
  const token = options.token ?? 'hf_loopback_test_token';
  const gated = new Set(options.gated ?? []);
  const redirectToCdn = options.redirectToCdn ?? true;
  const lfsThreshold = options.lfsThreshold ?? 10 * 1024 * 1024;
  const requests: HubRequestRecord[] = [];
  const faults: Fault[] = [];
  let delay: HubServerDelay | undefined;
  let misbehaviour: HubServerMisbehaviour | undefined;
  /** sha256 -> what the CDN serves under it (registered when the Hub redirects there). */
  const cdnIndex = new Map<string, { file: string; served: HubServedFile }>();

  const commitOf = (repo: string): string => {
    const { commit } = options;
    if (typeof commit === 'string') return commit;
    return (
      commit?.[repo] ?? createHash('sha1').update(`loopback hub commit of ${repo}`).digest('hex')
    );
  };

  const record = (host: 'hub' | 'cdn', request: IncomingMessage, file?: string) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined) continue;
      headers[name] = name === 'authorization' ? '[redacted]' : String(value);
    }
    const entry: HubRequestRecord = {
      host,
      method: request.method ?? '',
      path: request.url ?? '',
      file,
      headers,
      authorization: request.headers.authorization !== undefined,
      status: 0,
    };
    requests.push(entry);
    return entry;
  };

  const takeFault = <K extends Fault['kind']>(kind: K, file: string) => {
    const index = faults.findIndex((fault) => fault.kind === kind && fault.file === file);
    if (index === -1) return undefined;
    return faults.splice(index, 1)[0] as Extract<Fault, { kind: K }>;
  };

  const serveContent = async (
    request: IncomingMessage,
    response: ServerResponse,
    entry: HubRequestRecord,
    file: string,
    served: HubServedFile,
    headers: Record<string, string>,
  ) => {
    const { size } = served;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    if (request.headers.range !== undefined) {
      if (range === null || Number(range[1]) >= size) {
        send(response, entry, 416, { ...headers, 'content-range': `bytes */${size}` });
        return;
      }
      start = Number(range[1]);
      end = range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['content-length'] = String(end - start + 1);
    const slow =
      delay !== undefined && (delay.file === undefined || delay.file === file) ? delay : undefined;
    if (request.method === 'GET' && slow?.beforeHeadersMs) await sleep(slow.beforeHeadersMs);
    entry.status = status;
    response.writeHead(status, headers);
    if (request.method === 'HEAD') {
      response.end();
      return;
    }

    let body = (await readFile(served.path)).subarray(start, end + 1);
    if (takeFault('corrupt', file) !== undefined && body.length > 0) {
      body = Buffer.from(body);
      for (let index = 0; index < body.length; index += 997)
        body[index] = (body[index] ?? 0) ^ 0xff;
    }
    const cut = takeFault('cut', file);
    const limit = cut === undefined ? body.length : Math.min(cut.afterBytes, body.length);
    const chunkBytes = slow?.chunkBytes ?? 65_536;
    for (let offset = 0; offset < limit; offset += chunkBytes) {
      if (slow?.perChunkMs) await sleep(slow.perChunkMs);
      if (response.destroyed) return;
      const chunk = body.subarray(offset, Math.min(offset + chunkBytes, limit));
      if (!response.write(chunk)) {
        await drainedOrClosed(response);
      }
    }
    if (cut !== undefined) {
      // Flush what was written and give the client a moment to read it, then drop the
      // connection mid-body.
      await new Promise<void>((resolve) => response.write('', () => resolve()));
      await sleep(50);
      response.socket?.destroy();
      return;
    }
    response.end();
  };

  const handleHub = async (request: IncomingMessage, response: ServerResponse) => {
    const pathname = (request.url ?? '/').split('?')[0] ?? '/';
    const match = RESOLVE_PATH.exec(pathname);
    if (match === null) {
      send(response, record('hub', request), 404, {});
      return;
    }
    const [, repo = '', encodedRevision = '', encodedFile = ''] = match;
    const revision = decodeURIComponent(encodedRevision);
    const file = encodedFile.split('/').map(decodeURIComponent).join('/');
    const entry = record('hub', request, file);
    if (misbehaviour?.etag !== undefined) {
      await serveUnverifiable(request, response, entry, misbehaviour);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, entry, 405, { allow: 'GET, HEAD' });
      return;
    }
    const authorized = request.headers.authorization === `Bearer ${token}`;
    const folder =
      options.repos?.[repo] ?? (options.root === undefined ? undefined : join(options.root, repo));
    if (folder === undefined || !(await isDirectory(folder))) {
      send(response, entry, request.headers.authorization === undefined ? 401 : 404, {
        'x-error-code': 'RepoNotFound',
        'x-error-message': 'Repository not found',
      });
      return;
    }
    if (gated.has(repo) && !authorized) {
      send(response, entry, 401, {
        'x-error-code': 'GatedRepo',
        'x-error-message': `Access to model ${repo} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      });
      return;
    }
    const commit = misbehaviour?.repoCommit ?? commitOf(repo);
    if (revision !== 'main' && revision !== commitOf(repo)) {
      send(response, entry, 404, {
        'x-error-code': 'RevisionNotFound',
        'x-error-message': 'Invalid rev id',
      });
      return;
    }
    const segments = file.split('/');
    const served = segments.some((segment) => segment === '' || segment === '.' || segment === '..')
      ? undefined
      : await describeServedFile(join(folder, ...segments), lfsThreshold);
    if (served === undefined) {
      send(response, entry, 404, {
        'x-repo-commit': commit,
        'x-error-code': 'EntryNotFound',
        'x-error-message': 'Entry not found',
      });
      return;
    }

    const headers: Record<string, string> = {
      'x-repo-commit': commit,
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
    };
    if (!served.lfs) {
      headers.etag = `"${served.gitSha1}"`;
      await serveContent(request, response, entry, file, served, headers);
      return;
    }
    headers['x-linked-etag'] = `"${served.sha256}"`;
    headers['x-linked-size'] = String(served.size);
    if (!redirectToCdn) {
      headers.etag = `"${served.sha256}"`;
      await serveContent(request, response, entry, file, served, headers);
      return;
    }
    cdnIndex.set(served.sha256, { file, served });
    const location = `${cdnUrl}/cdn/${served.sha256}`;
    const body = `Found. Redirecting to ${location}`;
    send(
      response,
      entry,
      302,
      {
        ...headers,
        etag: `"${served.gitSha1}"`,
        location,
        'content-type': 'text/plain; charset=utf-8',
      },
      body,
    );
  };

  const handleCdn = async (request: IncomingMessage, response: ServerResponse) => {
    const pathname = (request.url ?? '/').split('?')[0] ?? '/';
    const known = cdnIndex.get(CDN_PATH.exec(pathname)?.[1] ?? '');
    const entry = record('cdn', request, known?.file);
    if (known === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
      send(response, entry, 404, {});
      return;
    }
    await serveContent(request, response, entry, known.file, known.served, {
      etag: `"${known.served.sha256}"`,
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
    });
  };

  const hub = createServer((request, response) => {
    if (misbehaviour?.silent) {
      // Held open without a byte: the connection stays until the client gives up or close().
      record('hub', request);
      return;
    }
    handleHub(request, response).catch((error: unknown) => fail(response, error));
  });
  const cdn = createServer((request, response) => {
    handleCdn(request, response).catch((error: unknown) => fail(response, error));
  });
  const url = await listen(hub);
  const cdnUrl = await listen(cdn);

  return {
    url,
    cdnUrl,
    token,
    requests,
    commitOf,
    clearRequests: () => {
      requests.length = 0;
    },
    cutBodyOnce: (file, afterBytes) => {
      faults.push({ kind: 'cut', file, afterBytes });
    },
    corruptBodyOnce: (file) => {
      faults.push({ kind: 'corrupt', file });
    },
    setDelay: (next) => {
      delay = next;
    },
    setMisbehaviour: (next) => {
      misbehaviour = next;
    },
    close: async () => {
      await Promise.all([stop(hub), stop(cdn)]);
    },
  };
}

/** A file answer with an ETag that is no checksum, no size, and (GET) a body of unknown length. */
async function serveUnverifiable(
  request: IncomingMessage,
  response: ServerResponse,
  entry: HubRequestRecord,
  misbehaviour: HubServerMisbehaviour,
): Promise<void> {
  entry.status = 200;
  response.writeHead(200, {
    'x-repo-commit': misbehaviour.repoCommit ?? 'b'.repeat(40),
    etag: `"${misbehaviour.etag}"`,
    'content-type': 'application/octet-stream',
    'transfer-encoding': 'chunked',
  });
  if (request.method !== 'GET') {
    response.end();
    return;
  }
  const chunk = Buffer.alloc(65_536);
  for (let sent = 0; sent < (misbehaviour.endlessBytes ?? 64 * 1024 * 1024); sent += chunk.length) {
    if (response.destroyed) return;
    if (!response.write(chunk)) {
      await drainedOrClosed(response);
    }
  }
  response.end();
}

function send(
  response: ServerResponse,
  entry: HubRequestRecord,
  status: number,
  headers: Record<string, string>,
  body = '',
): void {
  entry.status = status;
  response.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  response.end(entry.method === 'HEAD' ? undefined : body);
}

function fail(response: ServerResponse, error: unknown): void {
  if (!response.headersSent) {
    response.writeHead(500, { 'content-type': 'text/plain' });
    response.end(String(error));
  } else {
    response.destroy();
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * Waits until `response` drains or closes, and leaves no listener behind: a `close` listener left
 * by every wait that ended in `drain` made Node warn of a leak past 10 on any large download.
 */
function drainedOrClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
