// The delivery resolver against a real DNS server on loopback: answers and their TTLs, one shared query per
// name, negative answers cached briefly and timeouts never, a bounded cache, /etc/hosts, and — the reason it
// exists — answers that arrive while every thread of libuv's pool is busy.
import crypto from 'node:crypto';
import dns from 'node:dns';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDnsServers } from '../../src/config.js';
import { createNameResolver, NEGATIVE_TTL_MS, parseHostsFile, type NameResolverOptions } from '../../src/delivery/dns-resolver.js';
import { startDnsServer, type DnsTestServer } from '../helpers/dns-server.js';

let server: DnsTestServer;
beforeAll(async () => {
  server = await startDnsServer();
  server.answer('hooks.switchboard.test', ['93.184.216.34', '2606:4700:4700::1111'], 30);
  server.answer('v4only.switchboard.test', ['93.184.216.35'], 30);
  server.silence('dead.switchboard.test');
});
afterAll(() => server.close());

/** A resolver on the test server with a clock the test moves. */
function resolverWithClock(options: NameResolverOptions = {}) {
  let now = 1_000_000;
  const resolver = createNameResolver({ servers: [server.address], queryTimeoutMs: 200, now: () => now, ...options });
  return { resolver, advance: (ms: number) => (now += ms) };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('answers from the DNS servers', () => {
  it('returns A and AAAA answers, IPv4 first, and serves them from the cache for their TTL', async () => {
    const { resolver, advance } = resolverWithClock();
    const before = server.queriesFor('hooks.switchboard.test');
    expect(await resolver.lookup('Hooks.Switchboard.Test.')).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ]);
    const asked = server.queriesFor('hooks.switchboard.test') - before;
    expect(asked).toBe(2); // one A and one AAAA query
    advance(29_000);
    await resolver.lookup('hooks.switchboard.test');
    expect(server.queriesFor('hooks.switchboard.test') - before).toBe(asked);
    advance(2_000); // past the 30 s TTL
    await resolver.lookup('hooks.switchboard.test');
    expect(server.queriesFor('hooks.switchboard.test') - before).toBe(2 * asked);
    resolver.close();
  });

  it('concurrent lookups of one name share one query', async () => {
    const { resolver } = resolverWithClock();
    const before = server.queriesFor('v4only.switchboard.test');
    const all = await Promise.all(Array.from({ length: 50 }, () => resolver.lookup('v4only.switchboard.test')));
    expect(all.every((answers) => answers.length === 1 && answers[0]!.address === '93.184.216.35')).toBe(true);
    expect(server.queriesFor('v4only.switchboard.test') - before).toBe(2);
    resolver.close();
  });

  it('a name that does not exist is ENOTFOUND, cached for a few seconds only', async () => {
    const { resolver, advance } = resolverWithClock();
    const before = server.queriesFor('nowhere.switchboard.test');
    expect(await codeOf(resolver.lookup('nowhere.switchboard.test'))).toBe('ENOTFOUND');
    const asked = server.queriesFor('nowhere.switchboard.test') - before;
    expect(await codeOf(resolver.lookup('nowhere.switchboard.test'))).toBe('ENOTFOUND');
    expect(server.queriesFor('nowhere.switchboard.test') - before).toBe(asked);
    advance(NEGATIVE_TTL_MS + 1);
    server.answer('nowhere.switchboard.test', ['93.184.216.36']);
    expect(await resolver.lookup('nowhere.switchboard.test')).toEqual([{ address: '93.184.216.36', family: 4 }]);
    resolver.close();
  });

  it('a name whose DNS never answers fails with ETIMEOUT after each caller’s budget, and is asked again next time', async () => {
    const { resolver } = resolverWithClock({ queryTimeoutMs: 5_000 });
    const before = server.queriesFor('dead.switchboard.test');
    const results = await Promise.all([resolver.lookup('dead.switchboard.test', { budgetMs: 100 }), resolver.lookup('dead.switchboard.test', { budgetMs: 150 })].map(codeOf));
    expect(results).toEqual(['ETIMEOUT', 'ETIMEOUT']);
    const asked = server.queriesFor('dead.switchboard.test') - before;
    expect(asked).toBeGreaterThan(0);
    resolver.close(); // ends the shared query still waiting on the server
    const { resolver: next } = resolverWithClock({ queryTimeoutMs: 5_000 });
    await expect(next.lookup('dead.switchboard.test', { budgetMs: 100 })).rejects.toThrow('could not resolve dead.switchboard.test: no answer from DNS within 100 ms');
    expect(server.queriesFor('dead.switchboard.test') - before).toBeGreaterThan(asked);
    next.close();
  });

  it('a caller whose budget outlasts the shared query asks again, and ends with its own budget', async () => {
    const { resolver } = resolverWithClock({ queryTimeoutMs: 60 }); // c-ares gives up after ~180 ms (2 tries)
    const before = server.queriesFor('dead.switchboard.test');
    await expect(resolver.lookup('dead.switchboard.test', { budgetMs: 1_000 })).rejects.toThrow('could not resolve dead.switchboard.test: no answer from DNS within 1000 ms');
    // Each query asks A and AAAA, twice: more than 4 means the name was asked again within the budget.
    expect(server.queriesFor('dead.switchboard.test') - before).toBeGreaterThan(4);
    resolver.close();
  });

  it('an aborted caller stops waiting at once', async () => {
    const { resolver } = resolverWithClock({ queryTimeoutMs: 5_000 });
    const stop = new AbortController();
    const pending = codeOf(resolver.lookup('dead.switchboard.test', { budgetMs: 20_000, signal: stop.signal }));
    stop.abort();
    expect(await pending).toBe('ECANCELLED');
    resolver.close();
  });

  it('the cache holds at most maxEntries names, dropping the least recently used', async () => {
    server.answer('a.lru.switchboard.test', ['93.184.216.1']);
    server.answer('b.lru.switchboard.test', ['93.184.216.2']);
    server.answer('c.lru.switchboard.test', ['93.184.216.3']);
    const { resolver } = resolverWithClock({ maxEntries: 2 });
    const asked = () => ['a', 'b', 'c'].map((x) => server.queriesFor(`${x}.lru.switchboard.test`));
    await resolver.lookup('a.lru.switchboard.test');
    await resolver.lookup('b.lru.switchboard.test');
    await resolver.lookup('a.lru.switchboard.test'); // a is now the most recent
    await resolver.lookup('c.lru.switchboard.test'); // evicts b
    const before = asked();
    await resolver.lookup('a.lru.switchboard.test');
    await resolver.lookup('b.lru.switchboard.test');
    expect(asked()).toEqual([before[0], before[1]! + 2, before[2]]);
    resolver.close();
  });
});

describe('/etc/hosts', () => {
  it('names in the hosts file are answered from it, without asking DNS', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-hosts-'));
    const hostsPath = path.join(dir, 'hosts');
    fs.writeFileSync(hostsPath, '# comment\n10.9.8.7   intranet.switchboard.test  alias.switchboard.test # trailing\nfd00::7 intranet.switchboard.test\n');
    server.answer('intranet.switchboard.test', ['93.184.216.99']);
    try {
      const { resolver } = resolverWithClock({ hostsPath });
      const before = server.queriesFor('intranet.switchboard.test');
      expect(await resolver.lookup('INTRANET.switchboard.test.')).toEqual([
        { address: '10.9.8.7', family: 4 },
        { address: 'fd00::7', family: 6 },
      ]);
      expect(await resolver.lookup('alias.switchboard.test')).toEqual([{ address: '10.9.8.7', family: 4 }]);
      expect(server.queriesFor('intranet.switchboard.test')).toBe(before);
      // localhost is loopback even when the hosts file does not say so (RFC 6761).
      expect((await resolver.lookup('api.localhost')).map((a) => a.address)).toEqual(['127.0.0.1', '::1']);
      resolver.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses addresses, names and comments; ignores malformed lines', () => {
    const parsed = parseHostsFile('127.0.0.1 localhost\n::1 localhost ip6-localhost\nnot-an-ip name\n\n  # only a comment\n192.168.1.1\n');
    expect(Object.fromEntries(parsed)).toEqual({
      localhost: [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
      'ip6-localhost': [{ address: '::1', family: 6 }],
    });
  });
});

describe('no thread pool', () => {
  // Every thread of libuv's pool is held by a slow pbkdf2 (what scrypt does to logins). A lookup through the
  // resolver is answered while they run; dns.lookup (getaddrinfo, on the pool) waits for one to finish — the
  // control that shows the test can tell the two apart.
  it('answers while every pool thread is busy, where dns.lookup waits for the pool', async () => {
    const { resolver } = resolverWithClock();
    const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const order: string[] = [];
    const hogs = Array.from({ length: poolSize }, (_, i) =>
      new Promise<void>((resolve) => crypto.pbkdf2('pw', 'salt', 500_000, 32, 'sha256', () => (order.push(`pool task ${i}`), resolve()))),
    );
    const viaResolver = resolver.lookup('v4only.switchboard.test').then(() => order.push('resolver'));
    const viaGetaddrinfo = dns.promises.lookup('localhost').then(() => order.push('dns.lookup'));
    await Promise.all([...hogs, viaResolver, viaGetaddrinfo]);
    expect(order[0]).toBe('resolver');
    expect(order.indexOf('dns.lookup')).toBeGreaterThan(order.findIndex((x) => x.startsWith('pool task')));
    resolver.close();
  });
});

describe('WEBHOOK_DNS_SERVERS', () => {
  it.each([
    ['', []],
    ['1.1.1.1', ['1.1.1.1']],
    [' 10.0.0.2:5353 , [2001:db8::53]:53,::1 ', ['10.0.0.2:5353', '[2001:db8::53]:53', '::1']],
  ])('%j is read as %j', (raw, expected) => {
    expect(parseDnsServers(raw)).toEqual(expected);
    expect(loadConfig({ WEBHOOK_DNS_SERVERS: raw }, []).webhookDnsServers).toEqual(expected);
  });

  it.each(['dns.example.com', '1.2.3', '1.1.1.1:0', '1.1.1.1:70000', '0x7f.1'])('%j stops start-up naming the variable', (raw) => {
    expect(() => loadConfig({ WEBHOOK_DNS_SERVERS: raw }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ WEBHOOK_DNS_SERVERS: raw }, [])).toThrow(/^WEBHOOK_DNS_SERVERS: ".*" is not a DNS server address/);
  });
});
