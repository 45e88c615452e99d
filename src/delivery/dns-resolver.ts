// Name resolution for deliveries and save-time URL checks, kept off libuv's thread pool. dns.lookup
// (getaddrinfo) runs on the 4-thread pool that scrypt, fs and zlib share, and libuv lets lookups take at most 2
// of its threads: 32 lookups of one name whose DNS never answers (glibc: 5 s × 2 tries per address family) held
// both for minutes, so every other company's lookups waited behind one dead webhook (measured: > 15 s for a name
// the server answers at once) and logins' scrypt had half the pool. Here DNS servers are asked through c-ares
// (node's dns.Resolver: sockets on the event loop, no threads); /etc/hosts is read here so names it lists keep
// working; all callers of one name share one query; answers are cached for their TTL (bounded entries), negative
// answers briefly, timeouts never; and every caller waits its own budget, so a dead name costs its own
// deliveries a timeout and nothing else.
import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';

export interface DnsAnswer {
  address: string;
  family: number;
}

/** A source of answers (tests inject one); `ttlSeconds` is how long the answer may be cached. */
export type DnsSource = (hostname: string) => Promise<DnsAnswer[] | { answers: DnsAnswer[]; ttlSeconds: number }>;

export interface NameResolver {
  /** Every address of `hostname`, or a DnsLookupError after at most `budgetMs` (or when `signal` aborts). */
  lookup(hostname: string, options?: { budgetMs?: number; signal?: AbortSignal }): Promise<DnsAnswer[]>;
  /**
   * What lookup() would answer without asking DNS (/etc/hosts, localhost, a fresh cached answer), synchronously;
   * throws a cached failure; undefined when DNS must be asked. Lets a caller skip a promise on the common path.
   */
  lookupCached(hostname: string): DnsAnswer[] | undefined;
  /** Cancels queries still waiting on a server. */
  close(): void;
}

export interface NameResolverOptions {
  /** DNS servers (`1.1.1.1`, `10.0.0.2:5353`, `[2001:db8::1]:53`); the system's (/etc/resolv.conf) when empty. */
  servers?: readonly string[];
  /** Replaces the DNS servers and /etc/hosts entirely (tests); answers without a TTL are cached for 10 s. */
  source?: DnsSource;
  hostsPath?: string;
  /** Per-try timeout of one c-ares query; a query makes up to 2 tries, the second with a doubled timeout. */
  queryTimeoutMs?: number;
  maxEntries?: number;
  /** The clock TTLs are measured on (tests move it forward). */
  now?: () => number;
}

/** A lookup that ended without an address; `code` is ENOTFOUND (no such name or no address), ETIMEOUT or the server's error. */
export class DnsLookupError extends Error {
  override name = 'DnsLookupError';
  constructor(
    readonly code: string,
    readonly hostname: string,
    detail: string,
  ) {
    super(`could not resolve ${hostname}: ${detail}`);
  }
}

export const DNS_CACHE_MAX_ENTRIES = 10_000;
const DEFAULT_QUERY_TIMEOUT_MS = 2_000;
const DEFAULT_BUDGET_MS = 5_000;
/** TTLs are clamped so a zero TTL still serves the connect right after the check, and a day-long one is re-asked. */
const MIN_TTL_S = 1;
const MAX_TTL_S = 300;
const SOURCE_TTL_S = 10;
/** NXDOMAIN / no address / server failure: long enough to absorb a burst, short enough to notice a fix. */
export const NEGATIVE_TTL_MS = 5_000;
const HOSTS_RECHECK_MS = 5_000;
/** A timed-out query shorter than this is not asked again within a caller's budget (no busy loop on a broken source). */
const MIN_REASK_AFTER_MS = 50;
const NOT_FOUND_CODES = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME', 'EBADNAME', 'ENOTIMP']);

interface Entry {
  expiresAt: number;
  answers?: DnsAnswer[];
  error?: DnsLookupError;
  /** Set on a timeout: how long the query waited (ms), so a caller with budget left knows asking again is sane. */
  waitedMs?: number;
}

function normalizeName(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, '');
}

/** Parses /etc/hosts: "address name [aliases…]", comments after '#'. Later lines never override earlier ones (glibc). */
export function parseHostsFile(text: string): Map<string, DnsAnswer[]> {
  const byName = new Map<string, DnsAnswer[]>();
  for (const line of text.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    const family = address ? net.isIP(address.replace(/%.*$/, '')) : 0;
    if (!address || family === 0) continue;
    for (const name of names.map(normalizeName)) {
      const list = byName.get(name) ?? [];
      if (!list.some((a) => a.address === address)) list.push({ address, family });
      byName.set(name, list);
    }
  }
  return byName;
}

function createHostsFile(path: string) {
  let checkedAt = -Infinity;
  let mtimeMs = -1;
  let entries = new Map<string, DnsAnswer[]>();
  return (name: string): DnsAnswer[] | undefined => {
    const now = Date.now();
    if (now - checkedAt >= HOSTS_RECHECK_MS) {
      checkedAt = now;
      // Synchronous on purpose: a stat every 5 s and a read of a file of a few hundred bytes when it changes cost
      // microseconds on the event loop, while the async fs calls would queue on the thread pool this module avoids.
      try {
        const stat = fs.statSync(path);
        if (stat.mtimeMs !== mtimeMs) {
          entries = parseHostsFile(fs.readFileSync(path, 'utf8'));
          mtimeMs = stat.mtimeMs;
        }
      } catch {
        entries = new Map();
        mtimeMs = -1;
      }
    }
    return entries.get(name);
  };
}

const LOOPBACK: DnsAnswer[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

/** Asks DNS servers for A and AAAA through c-ares, IPv4 first; the TTL is the smallest of the answers'. */
function createCaresSource(servers: readonly string[] | undefined, queryTimeoutMs: number): { source: DnsSource; cancel(): void } {
  const resolver = new dns.promises.Resolver({ timeout: queryTimeoutMs, tries: 2 });
  if (servers && servers.length > 0) resolver.setServers([...servers]);
  const source: DnsSource = async (name) => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(name, { ttl: true }), resolver.resolve6(name, { ttl: true })]);
    const records = [
      ...(v4.status === 'fulfilled' ? v4.value.map((r) => ({ address: r.address, family: 4, ttl: r.ttl })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((r) => ({ address: r.address, family: 6, ttl: r.ttl })) : []),
    ];
    if (records.length > 0) {
      return { answers: records.map(({ address, family }) => ({ address, family })), ttlSeconds: Math.min(...records.map((r) => r.ttl)) };
    }
    const codes = [v4, v6].map((r) => (r.status === 'rejected' ? String((r.reason as NodeJS.ErrnoException).code ?? 'EUNKNOWN') : 'ENODATA'));
    if (codes.every((code) => NOT_FOUND_CODES.has(code))) throw new DnsLookupError('ENOTFOUND', name, 'no such name, or no address for it');
    const code = codes.find((c) => !NOT_FOUND_CODES.has(c))!;
    const text: Record<string, string> = { ETIMEOUT: 'the DNS server did not answer', ESERVFAIL: 'the DNS server failed (SERVFAIL)', EREFUSED: 'the DNS server refused the query', ECONNREFUSED: 'the DNS server is unreachable' };
    throw new DnsLookupError(code, name, text[code] ?? `DNS error ${code}`);
  };
  return { source, cancel: () => resolver.cancel() };
}

export function createNameResolver(options: NameResolverOptions = {}): NameResolver {
  const maxEntries = options.maxEntries ?? DNS_CACHE_MAX_ENTRIES;
  const now = options.now ?? Date.now;
  const cares = options.source ? null : createCaresSource(options.servers, options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS);
  const source = options.source ?? cares!.source;
  const hosts = options.source ? () => undefined : createHostsFile(options.hostsPath ?? '/etc/hosts');
  const cache = new Map<string, Entry>(); // insertion order = least recently used first
  const inFlight = new Map<string, Promise<Entry>>();

  const remember = (name: string, entry: Entry) => {
    cache.delete(name);
    cache.set(name, entry);
    while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    return entry;
  };

  const query = (name: string): Promise<Entry> => {
    let pending = inFlight.get(name);
    if (pending) return pending;
    const startedAt = performance.now();
    pending = source(name)
      .then((result) => {
        const { answers, ttlSeconds } = Array.isArray(result) ? { answers: result, ttlSeconds: SOURCE_TTL_S } : result;
        if (answers.length === 0) return remember(name, { expiresAt: now() + NEGATIVE_TTL_MS, error: new DnsLookupError('ENOTFOUND', name, 'no address for this name') });
        const ttl = Math.min(MAX_TTL_S, Math.max(MIN_TTL_S, ttlSeconds));
        return remember(name, { expiresAt: now() + ttl * 1000, answers });
      })
      .catch((error: unknown) => {
        const failure = error instanceof DnsLookupError ? error : new DnsLookupError(String((error as NodeJS.ErrnoException)?.code ?? 'EUNKNOWN'), name, String((error as Error)?.message ?? error));
        // A timeout is not an answer and is not cached: callers with budget left ask again (one query at a time per name).
        if (failure.code === 'ETIMEOUT') return { expiresAt: 0, error: failure, waitedMs: performance.now() - startedAt };
        return remember(name, { expiresAt: now() + NEGATIVE_TTL_MS, error: failure });
      })
      .finally(() => inFlight.delete(name));
    inFlight.set(name, pending);
    return pending;
  };

  /**
   * Waits on the name's shared query for at most `budgetMs`. A caller that joined a query near its end would see
   * it time out early; it asks again instead, so every caller of a dead name waits exactly its own budget.
   */
  async function waitForAnswer(name: string, budgetMs: number, signal: AbortSignal | undefined): Promise<Entry> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const givingUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DnsLookupError('ETIMEOUT', name, `no answer from DNS within ${budgetMs} ms`)), budgetMs);
      onAbort = () => reject(new DnsLookupError('ECANCELLED', name, 'the lookup was cancelled'));
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      for (;;) {
        const entry = await Promise.race([query(name), givingUp]);
        if (entry.error?.code !== 'ETIMEOUT' || (entry.waitedMs ?? 0) < MIN_REASK_AFTER_MS) return entry;
      }
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  function lookupCached(hostname: string): DnsAnswer[] | undefined {
    const name = normalizeName(hostname);
    const listed = hosts(name);
    if (listed) return listed.map((a) => ({ ...a }));
    // RFC 6761: localhost names are loopback whatever a DNS server says.
    if (name === 'localhost' || name.endsWith('.localhost')) return LOOPBACK.map((a) => ({ ...a }));
    const entry = cache.get(name);
    if (!entry || entry.expiresAt <= now()) return undefined;
    cache.delete(name); // most recently used goes last
    cache.set(name, entry);
    if (entry.error) throw entry.error;
    return entry.answers!.map((a) => ({ ...a }));
  }

  async function lookup(hostname: string, { budgetMs = DEFAULT_BUDGET_MS, signal }: { budgetMs?: number; signal?: AbortSignal } = {}): Promise<DnsAnswer[]> {
    const known = lookupCached(hostname);
    if (known) return known;
    const entry = await waitForAnswer(normalizeName(hostname), budgetMs, signal);
    if (entry.error) throw entry.error;
    return entry.answers!.map((a) => ({ ...a }));
  }

  return { lookup, lookupCached, close: () => cares?.cancel() };
}

let systemNames: NameResolver | null = null;

/** The process-wide resolver on the system's DNS servers and /etc/hosts (save-time checks). */
export function systemNameResolver(): NameResolver {
  systemNames ??= createNameResolver();
  return systemNames;
}
