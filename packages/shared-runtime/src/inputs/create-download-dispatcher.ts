import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, type Dispatcher, interceptors } from 'undici';
import { isPrivateAddress } from './private-address.js';

/** Code of the error a download's connection fails with when its address is refused. */
export const BLOCKED_ADDRESS_CODE = 'ERR_JINA_CLIP_BLOCKED_ADDRESS';

/** Options of {@link createDownloadDispatcher}. */
export interface DownloadDispatcherOptions {
  /** Connect to loopback, private, link-local and unspecified addresses too. */
  readonly allowPrivateNetwork: boolean;
  /** Redirects followed per request. */
  readonly maxRedirects: number;
  /** Which IP addresses are refused. @default isPrivateAddress */
  readonly isBlocked?: ((address: string) => boolean) | undefined;
}

function blockedAddressError(host: string, address: string): Error {
  const shown = host === address ? address : `${host} (${address})`;
  return Object.assign(new Error(`${shown} is a private, loopback or link-local address`), {
    code: BLOCKED_ADDRESS_CODE,
  });
}

/**
 * `dns.lookup` keeping only the addresses `isBlocked` allows: the connection can only go where
 * the policy allows, whatever DNS answers at that moment (so DNS rebinding cannot slip past a
 * check made earlier).
 */
function createFilteredLookup(isBlocked: (address: string) => boolean): LookupFunction {
  return ((
    hostname: string,
    options: LookupOptions,
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, options.all ? [] : '');
        return;
      }
      const allowed = addresses.filter(({ address }) => !isBlocked(address));
      if (allowed.length === 0) {
        const refused = blockedAddressError(hostname, addresses[0]?.address ?? hostname);
        callback(refused, options.all ? [] : '');
        return;
      }
      if (options.all) callback(null, allowed);
      else callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  }) as LookupFunction;
}

/**
 * An undici dispatcher for image downloads: follows at most `maxRedirects` redirects, and unless
 * `allowPrivateNetwork`, refuses to connect to a private address. The check runs on every
 * connection, so each redirect hop is checked too: an IP-literal host directly (undici has
 * already normalised `127.1` and `0x7f000001` to `127.0.0.1` via the WHATWG URL parser), a
 * name on the addresses it resolves to.
 */
export function createDownloadDispatcher(options: DownloadDispatcherOptions): Dispatcher {
  let connect: buildConnector.connector | undefined;
  if (!options.allowPrivateNetwork) {
    const isBlocked = options.isBlocked ?? isPrivateAddress;
    const lookup = createFilteredLookup(isBlocked);
    const connector = buildConnector({ lookup } as buildConnector.BuildOptions);
    connect = (connectOptions, callback) => {
      const { hostname } = connectOptions;
      if (isIP(hostname) !== 0 && isBlocked(hostname)) {
        callback(blockedAddressError(hostname, hostname), null);
        return;
      }
      connector(connectOptions, callback);
    };
  }
  const agent = new Agent(connect === undefined ? {} : { connect });
  return options.maxRedirects === 0
    ? agent
    : agent.compose(interceptors.redirect({ maxRedirections: options.maxRedirects }));
}
