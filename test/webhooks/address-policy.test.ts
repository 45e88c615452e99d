// The address policy, table-tested against every range of blocked-addresses.md: the first and last address
// of each range are refused, and a public neighbour just outside is allowed (where one exists).
import { afterAll, describe, expect, it } from 'vitest';
import { parseCidrList } from '../../src/config.js';
import { createNameResolver } from '../../src/delivery/dns-resolver.js';
import { BLOCKED_IPV4_RANGES, BLOCKED_IPV6_RANGES, blockedHostNameReason, isBlockedAddress } from '../../src/webhooks/address-policy.js';
import { checkWebhookUrl, normalizeWebhookUrl, type Resolver } from '../../src/webhooks/url-rules.js';
import { startDnsServer } from '../helpers/dns-server.js';

// [range, first address, last address]
const IPV4: Array<[string, string, string]> = [
  ['0.0.0.0/8', '0.0.0.0', '0.255.255.255'],
  ['10.0.0.0/8', '10.0.0.0', '10.255.255.255'],
  ['100.64.0.0/10', '100.64.0.0', '100.127.255.255'],
  ['127.0.0.0/8', '127.0.0.0', '127.255.255.255'],
  ['169.254.0.0/16', '169.254.0.0', '169.254.255.255'],
  ['172.16.0.0/12', '172.16.0.0', '172.31.255.255'],
  ['192.0.0.0/24', '192.0.0.0', '192.0.0.255'],
  ['192.0.2.0/24', '192.0.2.0', '192.0.2.255'],
  ['198.51.100.0/24', '198.51.100.0', '198.51.100.255'],
  ['203.0.113.0/24', '203.0.113.0', '203.0.113.255'],
  ['192.88.99.0/24', '192.88.99.0', '192.88.99.255'],
  ['192.168.0.0/16', '192.168.0.0', '192.168.255.255'],
  ['198.18.0.0/15', '198.18.0.0', '198.19.255.255'],
  ['224.0.0.0/4', '224.0.0.0', '239.255.255.255'],
  ['240.0.0.0/4', '240.0.0.0', '255.255.255.255'],
  ['168.63.129.16/32', '168.63.129.16', '168.63.129.16'],
];

const IPV6: Array<[string, string, string]> = [
  ['::/128', '::', '::'],
  ['::1/128', '::1', '::1'],
  ['::/96', '::7f00:1', '::ffff:ffff'],
  ['::ffff:0:0:0/96', '::ffff:0:0:0', '::ffff:0:ffff:ffff'],
  ['64:ff9b::/96', '64:ff9b::a9fe:a9fe', '64:ff9b::ffff:ffff'],
  ['64:ff9b:1::/48', '64:ff9b:1::', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff'],
  ['100::/64', '100::', '100::ffff:ffff:ffff:ffff'],
  ['2001::/23', '2001::', '2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['2001:db8::/32', '2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['3fff::/20', '3fff::', '3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['2001:10::/28', '2001:10::', '2001:1f:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['2001:20::/28', '2001:20::', '2001:2f:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['2002::/16', '2002::', '2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['5f00::/16', '5f00::', '5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['fc00::/7', 'fc00::', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['fe80::/10', 'fe80::', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['fec0::/10', 'fec0::', 'feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['ff00::/8', 'ff00::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
];

describe('isBlockedAddress: every range of the reference list', () => {
  it('the tables cover exactly the ranges the policy declares', () => {
    expect(IPV4.map(([cidr]) => cidr)).toEqual(BLOCKED_IPV4_RANGES.map((r) => r.cidr));
    expect(IPV6.map(([cidr]) => cidr)).toEqual(BLOCKED_IPV6_RANGES.map((r) => r.cidr));
  });

  it.each([...IPV4, ...IPV6])('%s: first %s and last %s are blocked', (_cidr, first, last) => {
    expect(isBlockedAddress(first)).toBe(true);
    expect(isBlockedAddress(last)).toBe(true);
  });

  it.each([
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped loopback, hex form', '::ffff:7f00:1'],
    ['IPv4-mapped metadata', '::ffff:169.254.169.254'],
    ['IPv4-mapped RFC 1918', '::ffff:10.1.2.3'],
    ['AWS IMDS over IPv6', 'fd00:ec2::254'],
    ['AWS metadata', '169.254.169.254'],
    ['Alibaba metadata', '100.100.100.200'],
    ['Teredo', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
    ['6to4 embedding 127.0.0.1', '2002:7f00:1::'],
    ['NAT64 of metadata', '64:ff9b::169.254.169.254'],
    ['reserved outside 2000::/3', '4000::1'],
    ['link-local with a zone', 'fe80::1%eth0'],
    ['bracketed IPv6 loopback', '[::1]'],
  ])('%s (%s) is blocked', (_what, address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each([
    ['non-canonical IPv4 (hex)', '0x7f.1'],
    ['non-canonical IPv4 (integer)', '2130706433'],
    ['a name', 'localhost'],
    ['empty', ''],
    ['garbage', '1.2.3.4.5'],
  ])('%s (%s) does not parse and is refused', (_what, address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each([
    ['just below 10/8', '9.255.255.255'],
    ['just above 10/8', '11.0.0.0'],
    ['just below CGNAT', '100.63.255.255'],
    ['just above CGNAT', '100.128.0.0'],
    ['just above 172.16/12', '172.32.0.0'],
    ['below 172.16/12', '172.15.255.255'],
    ['just above 192.168/16', '192.169.0.0'],
    ['just above 198.18/15', '198.20.0.0'],
    ['just below multicast', '223.255.255.255'],
    ['next to Azure WireServer', '168.63.129.17'],
    ['a public resolver', '8.8.8.8'],
    ['a public IPv6 address', '2606:4700:4700::1111'],
    ['IPv4-mapped public address', '::ffff:8.8.8.8'],
    ['just above 2001::/23', '2001:200::1'],
    ['just above 2001:db8::/32', '2001:db9::1'],
    ['just below 2002::/16', '2001:ffff::1'],
    ['just above 2002::/16', '2003::1'],
    ['just below 3fff::/20', '3ffe:ffff::1'],
  ])('%s (%s) is allowed', (_what, address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });

  it('WEBHOOK_ALLOW_PRIVATE exempts exactly its ranges, including the IPv4-mapped spelling', () => {
    const allow = parseCidrList('127.0.0.1/32,fd00:ec2::/64');
    expect(isBlockedAddress('127.0.0.1', allow)).toBe(false);
    expect(isBlockedAddress('::ffff:127.0.0.1', allow)).toBe(false);
    expect(isBlockedAddress('127.0.0.2', allow)).toBe(true);
    expect(isBlockedAddress('fd00:ec2::254', allow)).toBe(false);
    expect(isBlockedAddress('169.254.169.254', allow)).toBe(true);
    expect(isBlockedAddress('::1', allow)).toBe(true);
  });
});

describe('blocked host names (defence in depth)', () => {
  it.each([
    'localhost', 'LOCALHOST.', 'api.localhost', 'metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data',
    'instance-data.ec2.internal', 'db.internal', 'printer.local', 'kubernetes.default.svc', 'api.svc', 'api.ns.svc.cluster.local', 'intranet',
  ])('%s is refused', (name) => {
    expect(blockedHostNameReason(name)).not.toBeNull();
  });

  it.each(['hooks.example.com', 'example.internal.example.com', 'localhost.example.com'])('%s is allowed', (name) => {
    expect(blockedHostNameReason(name)).toBeNull();
  });
});

describe('odd spellings in URLs are classified on their normalized form', () => {
  it.each([
    ['https://0x7f.1/', /127\.0\.0\.1.*loopback/],
    ['https://2130706433/', /127\.0\.0\.1.*loopback/],
    ['https://127.1/', /127\.0\.0\.1/],
    ['https://0177.0.0.1/', /127\.0\.0\.1/],
    ['https://[::ffff:127.0.0.1]/', /::ffff:7f00:1.*loopback/],
    ['https://[::1]:8443/', /loopback/],
    ['https://169.254.169.254/latest/meta-data', /link-local/],
    ['https://[fd00:ec2::254]/', /unique local/],
    ['https://0.0.0.0/', /this network/],
    ['https://localhost./', /internal host name/],
  ])('%s is refused', (url, message) => {
    expect(() => normalizeWebhookUrl(url, [])).toThrow(message);
  });

  it('allowed through WEBHOOK_ALLOW_PRIVATE, normalized', () => {
    expect(normalizeWebhookUrl('https://0x7f.1:8443/hook', parseCidrList('127.0.0.1/32'))).toBe('https://127.0.0.1:8443/hook');
  });
});

const dnsServer = await startDnsServer();
const names = createNameResolver({ servers: [dnsServer.address] });
const resolve: Resolver = (hostname) => names.lookup(hostname);
afterAll(async () => {
  names.close();
  await dnsServer.close();
});

describe('save-time messages never echo a resolved private address', () => {

  it.each([
    ['10.1.2.3', /10\.1\.2\.3|10\.0\.0\.0|RFC 1918|private \(/],
    ['169.254.169.254', /169\.254|link-local|metadata/],
    ['127.0.0.1', /127\.0\.0|loopback/],
    ['fd00:ec2::254', /fd00|unique local|AWS/],
    ['::ffff:7f00:1', /::ffff|7f00|127\.0\.0|loopback/],
  ])('a name resolving to %s is refused saying "resolves to a private address", not which', async (address, leak) => {
    const name = `private-${['10.1.2.3', '169.254.169.254', '127.0.0.1', 'fd00:ec2::254', '::ffff:7f00:1'].indexOf(address)}.switchboard.test`;
    dnsServer.answer(name, [address]);
    const refusal = checkWebhookUrl(`https://${name}/hook`, [], resolve);
    await expect(refusal).rejects.toThrow(new RegExp(`^url: host ${name.replace(/\./g, '\\.')} resolves to a private address`));
    const message = await refusal.catch((error: Error) => error.message);
    expect(message).not.toMatch(leak);
  });

  it('a name with a public answer beside a private one is accepted at save time (the connect-time guard refuses it)', async () => {
    dnsServer.answer('mixed.switchboard.test', ['93.184.216.34', '10.1.2.3']);
    await expect(checkWebhookUrl('https://mixed.switchboard.test/', [], resolve)).resolves.toBe('https://mixed.switchboard.test/');
  });

  it('an IP literal the user typed is named, with its range', async () => {
    await expect(checkWebhookUrl('https://10.1.2.3/hook', [], resolve)).rejects.toThrow(/points to 10\.1\.2\.3, a private \(RFC 1918\) \(10\.0\.0\.0\/8\) address/);
  });
});
