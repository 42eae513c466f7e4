import { isIP } from 'node:net';

/**
 * Whether `host` names this machine only: `localhost` or a name under `.localhost` (RFC 6761),
 * an IPv4 address in 127.0.0.0/8, or the IPv6 loopback `::1`. It takes a bare host (a server's
 * bind address) or a URL's `hostname` (IPv6 in brackets, any case, a trailing dot). Anything
 * else (a LAN address, `0.0.0.0`, `::`, an IPv4-mapped `::ffff:7f00:1`, a public name) is
 * reachable from elsewhere: the API backend refuses plain `http:` to it, the search app warns.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  const family = isIP(bare);
  if (family === 4) return bare.startsWith('127.');
  if (family === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}
