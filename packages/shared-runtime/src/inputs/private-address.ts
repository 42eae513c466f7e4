import { BlockList, isIP } from 'node:net';

/**
 * Addresses an image download refuses by default: unspecified, loopback, private, shared (CGNAT),
 * link-local (cloud metadata lives at 169.254.169.254), multicast and reserved, and the IPv6
 * ranges that reach IPv4 hosts by tunnel or relay where the IPv4 host cannot be checked: Teredo
 * (2001::/32, its address obfuscated) and local-use NAT64 (64:ff9b:1::/48). `BlockList`
 * matches an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) against the IPv4 rules too; the IPv4
 * address inside a well-known NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address is checked by
 * {@link isPrivateAddress}.
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
    ['100::', 64], // discard-only
    ['2001::', 32], // Teredo
    ['2001:db8::', 32], // documentation
    ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ] as const) {
    list.addSubnet(network, prefix, 'ipv6');
  }
  return list;
})();

/** The eight 16-bit groups of a valid IPv6 literal (a trailing dotted IPv4 part included). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().split('%')[0]!;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const first = parse(head);
  const last = tail === undefined ? [] : parse(tail);
  return [...first, ...Array.from({ length: 8 - first.length - last.length }, () => 0), ...last];
}

/** The IPv4 address in groups `high` and `low`, dotted. */
function ipv4Of(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/**
 * True when `address` (an IP literal, IPv6 with or without brackets) is one downloads refuse:
 * in {@link PRIVATE_ADDRESSES}, or a well-known NAT64 (64:ff9b::/96) or 6to4 (2002::/16)
 * address whose IPv4 address is (`64:ff9b::127.0.0.1` and `2002:7f00:1::` reach loopback
 * through a translator or relay; `64:ff9b::8.8.8.8` is how an IPv6-only network reaches a
 * public host, and stays allowed).
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.startsWith('[') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 0) return false;
  if (family === 4) return PRIVATE_ADDRESSES.check(bare, 'ipv4');
  if (PRIVATE_ADDRESSES.check(bare, 'ipv6')) return true;
  const groups = ipv6Groups(bare);
  if (
    groups[0] === 0x64 &&
    groups[1] === 0xff9b &&
    groups.slice(2, 6).every((group) => group === 0)
  ) {
    return PRIVATE_ADDRESSES.check(ipv4Of(groups[6]!, groups[7]!), 'ipv4');
  }
  if (groups[0] === 0x2002) return PRIVATE_ADDRESSES.check(ipv4Of(groups[1]!, groups[2]!), 'ipv4');
  return false;
}
