import { BlockList, isIP } from 'node:net';

/**
 * Addresses an image download refuses by default: unspecified, loopback, private, shared (CGNAT),
 * link-local (cloud metadata lives at 169.254.169.254), multicast and reserved. `BlockList`
 * matches an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) against the IPv4 rules too.
 */
const PRIVATE_ADDRESSES = (() => {
  const list = new BlockList();
  for (const [network, prefix] of [
    ['0.0.0.0', 8], // "this network", 0.0.0.0 included
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4], // reserved, 255.255.255.255 included
  ] as const) {
    list.addSubnet(network, prefix, 'ipv4');
  }
  for (const [network, prefix] of [
    ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
    ['fc00::', 7],
    ['fe80::', 10],
    ['fec0::', 10],
    ['ff00::', 8],
  ] as const) {
    list.addSubnet(network, prefix, 'ipv6');
  }
  return list;
})();

/** True when `address` (an IP literal, IPv6 with or without brackets) is one downloads refuse. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.startsWith('[') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 0) return false;
  return PRIVATE_ADDRESSES.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}
