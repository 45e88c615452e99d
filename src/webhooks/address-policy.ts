// The private-address policy (spec §7): which IP addresses and host names a delivery may never reach.
// Pure and synchronous: the URL rules (save time) and the connect-time guard (src/delivery/guarded-lookup.ts)
// both ask these two functions, so the two checks cannot disagree.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type Cidr = readonly [ipaddr.IPv4 | ipaddr.IPv6, number];

interface Range {
  cidr: string;
  what: string;
}

/** Every IPv4 range of /work/shared/spec/blocked-addresses.md, in its order. */
export const BLOCKED_IPV4_RANGES: readonly Range[] = [
  { cidr: '0.0.0.0/8', what: '"this network" (0.0.0.0 reaches localhost)' },
  { cidr: '10.0.0.0/8', what: 'private (RFC 1918)' },
  { cidr: '100.64.0.0/10', what: 'shared / CGNAT (RFC 6598)' },
  { cidr: '127.0.0.0/8', what: 'loopback' },
  { cidr: '169.254.0.0/16', what: 'link-local / cloud metadata' },
  { cidr: '172.16.0.0/12', what: 'private (RFC 1918)' },
  { cidr: '192.0.0.0/24', what: 'IETF protocol assignments' },
  { cidr: '192.0.2.0/24', what: 'documentation (TEST-NET-1)' },
  { cidr: '198.51.100.0/24', what: 'documentation (TEST-NET-2)' },
  { cidr: '203.0.113.0/24', what: 'documentation (TEST-NET-3)' },
  { cidr: '192.88.99.0/24', what: '6to4 relay anycast' },
  { cidr: '192.168.0.0/16', what: 'private (RFC 1918)' },
  { cidr: '198.18.0.0/15', what: 'benchmarking' },
  { cidr: '224.0.0.0/4', what: 'multicast' },
  { cidr: '240.0.0.0/4', what: 'reserved / broadcast' },
  { cidr: '168.63.129.16/32', what: 'Azure host agent (WireServer)' },
];

/** Every IPv6 range of the reference list. IPv4-mapped addresses are unwrapped before this table is consulted. */
export const BLOCKED_IPV6_RANGES: readonly Range[] = [
  { cidr: '::/128', what: 'unspecified' },
  { cidr: '::1/128', what: 'loopback' },
  { cidr: '::/96', what: 'IPv4-compatible (deprecated)' },
  { cidr: '::ffff:0:0:0/96', what: 'SIIT IPv4-translated' },
  { cidr: '64:ff9b::/96', what: 'NAT64' },
  { cidr: '64:ff9b:1::/48', what: 'local-use NAT64' },
  { cidr: '100::/64', what: 'discard-only' },
  { cidr: '2001::/23', what: 'IETF protocol assignments (incl. Teredo, ORCHID)' },
  { cidr: '2001:db8::/32', what: 'documentation' },
  { cidr: '3fff::/20', what: 'documentation' },
  { cidr: '2001:10::/28', what: 'ORCHID' },
  { cidr: '2001:20::/28', what: 'ORCHIDv2' },
  { cidr: '2002::/16', what: '6to4' },
  { cidr: '5f00::/16', what: 'SRv6 SIDs' },
  { cidr: 'fc00::/7', what: 'unique local (incl. AWS metadata fd00:ec2::254)' },
  { cidr: 'fe80::/10', what: 'link-local' },
  { cidr: 'fec0::/10', what: 'site-local' },
  { cidr: 'ff00::/8', what: 'multicast' },
];

const parsedV4 = BLOCKED_IPV4_RANGES.map((range) => ({ ...range, parsed: ipaddr.IPv4.parseCIDR(range.cidr) }));
const parsedV6 = BLOCKED_IPV6_RANGES.map((range) => ({ ...range, parsed: ipaddr.IPv6.parseCIDR(range.cidr) }));
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

/** Parses an address to bytes, unwrapping IPv4-mapped IPv6 (`::ffff:7f00:1` is 127.0.0.1). Null if it does not parse. */
function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // Only canonical spellings: the URL parser and DNS hand us normalized forms, and anything else is refused.
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (!bare.includes(':') || !ipaddr.IPv6.isValid(bare)) return null;
  const v6 = ipaddr.IPv6.parse(bare);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

function inAllowList(address: ipaddr.IPv4 | ipaddr.IPv6, allow: readonly Cidr[]): boolean {
  return allow.some(([range, bits]) => range.kind() === address.kind() && address.match([range, bits] as never));
}

/**
 * Why `address` is refused (e.g. "loopback (127.0.0.0/8)"), or null when a delivery may connect to it.
 * Unparsable input is refused. `allowPrivate` (WEBHOOK_ALLOW_PRIVATE) exempts ranges.
 */
export function blockedAddressReason(address: string, allowPrivate: readonly Cidr[] = []): string | null {
  const parsed = parseAddress(address);
  if (!parsed) return 'not a valid IP address';
  if (inAllowList(parsed, allowPrivate)) return null;
  if (parsed.kind() === 'ipv4') {
    const hit = parsedV4.find((range) => (parsed as ipaddr.IPv4).match(range.parsed));
    return hit ? `${hit.what} (${hit.cidr})` : null;
  }
  const v6 = parsed as ipaddr.IPv6;
  const hit = parsedV6.find((range) => v6.match(range.parsed));
  if (hit) return `${hit.what} (${hit.cidr})`;
  if (!v6.match(GLOBAL_UNICAST)) return 'reserved IPv6 (outside 2000::/3)';
  return null;
}

/** True when a delivery must not connect to `address` (an IP literal or a DNS answer). */
export function isBlockedAddress(address: string, allowPrivate: readonly Cidr[] = []): boolean {
  return blockedAddressReason(address, allowPrivate) !== null;
}

const BLOCKED_NAMES = new Set(['localhost', 'metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal', 'kubernetes.default.svc']);
const BLOCKED_SUFFIXES = ['.localhost', '.internal', '.local', '.svc', '.svc.cluster.local'];

/**
 * Why a host name is refused before any DNS lookup (defence in depth; the address check is the real control),
 * or null. Single-label names are refused too: they resolve through search domains to internal hosts.
 */
export function blockedHostNameReason(hostname: string): string | null {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (BLOCKED_NAMES.has(name)) return `"${name}" is an internal host name`;
  const suffix = BLOCKED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `names ending in "${suffix}" are internal`;
  if (!name.includes('.')) return `"${name}" is not a fully qualified public host name`;
  return null;
}

/**
 * The URL host without IPv6 brackets, and whether it is an IP literal (DNS lookup hooks are never called for those).
 * `net.isIP`, not ipaddr.js: its isValid() throws and catches an Error for every host name (20–40 µs each). The URL
 * parser has already written any IPv4 form (`0x7f.1`, `2130706433`) as four decimal parts, which isIP accepts.
 */
export function hostOf(url: URL): { host: string; isIpLiteral: boolean } {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, isIpLiteral: isIP(host) !== 0 };
}
