import { type Dispatcher, request } from 'undici';
import { ModelLoadError } from '../../errors/index.js';

/** What every request to the Hub needs: where, for which repository, with which token. */
export interface HubClient {
  readonly dispatcher: Dispatcher;
  /** Hub base URL, without a trailing slash. */
  readonly endpoint: string;
  /** `endpoint` fit for a message: without `user:password@` (see `redactUrl`). */
  readonly endpointForMessages: string;
  readonly repo: string;
  readonly revision: string;
  /** Sent to the endpoint's origin only. */
  readonly token: string | undefined;
  readonly signal: AbortSignal | undefined;
  /** Milliseconds a metadata request (`HEAD`) may wait for the Hub's answer. */
  readonly metadataTimeoutMs: number;
  /** Milliseconds a download may wait for response headers, and then between two body chunks. */
  readonly downloadTimeoutMs: number;
}

/** A response of `openHubRequest`, with the URL that finally answered. */
export interface HubResponse {
  readonly url: string;
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Dispatcher.ResponseData['body'];
}

const MAX_REDIRECTS = 10;
const USER_AGENT = `jina-clip-runtime; node/${process.versions.node}`;

/**
 * Sends one request, following redirects by hand rather than with undici's redirect interceptor,
 * because the two kinds must be told apart as huggingface_hub tells them apart:
 * - `follow: 'relative'` (metadata `HEAD`): only a relative `Location` (a renamed repository on
 *   the Hub itself) is followed; an absolute one (the CDN) is returned, to read the Hub's headers.
 * - `follow: 'all'` (`GET`): every redirect is followed, relative or absolute.
 * The token goes only to the Hub's own origin: a redirect to another host (the CDN's signed URL)
 * never carries it.
 */
export async function openHubRequest(
  client: HubClient,
  url: string,
  options: { method: 'HEAD' | 'GET'; follow: 'relative' | 'all'; range?: number },
): Promise<HubResponse> {
  const hubOrigin = new URL(client.endpoint).origin;
  let currentUrl = url;
  for (let redirects = 0; ; redirects++) {
    const headers: Record<string, string> = {
      'user-agent': USER_AGENT,
      // The real size, never a compressed body (as huggingface_hub asks).
      'accept-encoding': 'identity',
    };
    if (client.token !== undefined && new URL(currentUrl).origin === hubOrigin) {
      headers.authorization = `Bearer ${client.token}`;
    }
    if (options.range !== undefined && options.range > 0) {
      headers.range = `bytes=${options.range}-`;
    }
    // undici's own timers: the headers must come within the timeout, and the body must not
    // stall longer than it between two chunks (huggingface_hub's HF_HUB_ETAG_TIMEOUT and
    // HF_HUB_DOWNLOAD_TIMEOUT, which requests applies as connect and read timeouts).
    const timeoutMs =
      options.method === 'HEAD' ? client.metadataTimeoutMs : client.downloadTimeoutMs;
    const response = await request(currentUrl, {
      method: options.method,
      headers,
      dispatcher: client.dispatcher,
      signal: client.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const location = headerValue(response.headers, 'location');
    const isRedirect = response.statusCode >= 300 && response.statusCode < 400 && location;
    if (!isRedirect) return { url: currentUrl, ...response };
    const relative = !/^[a-z][a-z\d+.-]*:/i.test(location) && !location.startsWith('//');
    if (options.follow === 'relative' && !relative) return { url: currentUrl, ...response };
    await response.body.dump();
    if (redirects >= MAX_REDIRECTS) {
      throw new ModelLoadError(
        `The Hub redirected more than ${MAX_REDIRECTS} times from ${stripQuery(url)}.`,
      );
    }
    currentUrl = new URL(location, currentUrl).href;
  }
}

/** A header's single value (the first, when repeated). */
export function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A URL fit for a message: a CDN URL's query holds a signature. */
export function stripQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
