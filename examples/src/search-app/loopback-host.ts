import { isIP } from 'node:net';

/**
 * Whether binding to `host` keeps the app on this machine: `localhost`, 127.0.0.0/8 or `::1`.
 * Anything else (a LAN address, `0.0.0.0`, `::`) is reachable from elsewhere.
 */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}
