// The only reader of process.env. Everything else receives the frozen Config built here, so a bad
// value stops start-up with a message naming the variable instead of failing later mid-request.
import path from 'node:path';
import ipaddr from 'ipaddr.js';

export type Role = 'api' | 'worker' | 'all';

export interface Config {
  readonly role: Role;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** null means: run the embedded PostgreSQL from DATA_DIR. */
  readonly databaseUrl: string | null;
  /** 32 bytes; null only until the embedded default generates one into DATA_DIR. */
  readonly secretKey: Buffer | null;
  readonly webhookTimeoutMs: number;
  /** How long a worker's claim stays owned without a heartbeat (WEBHOOK_LEASE_MS); renewed while requests run. */
  readonly webhookLeaseMs: number;
  /** CIDRs exempt from the private-address guard, parsed once. */
  readonly webhookAllowPrivate: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
  readonly webhookAllowPrivateText: string;
  /** DNS servers deliveries ask (WEBHOOK_DNS_SERVERS); empty means the system's. */
  readonly webhookDnsServers: readonly string[];
  /** The waits between attempts of a webhook with retryPolicy "exponential" (WEBHOOK_RETRY_SCHEDULE). */
  readonly webhookRetryScheduleMs: readonly number[];
  /** A webhook whose deliveries have all failed for this long is disabled (WEBHOOK_DISABLE_AFTER). */
  readonly webhookDisableAfterMs: number;
  readonly logLevel: string;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  readonly metricsToken: string | null;
  /** A separate listener serving only GET /metrics (worker-only processes have no other); null: none. */
  readonly metricsPort: number | null;
  /** Finished delivery records and events older than this many days are purged (src/ops/retention.ts). */
  readonly retentionDays: number;
}

export class ConfigError extends Error {
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number between ${min} and ${max}, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function parseSecretKey(raw: string, variable = 'SECRET_KEY'): Buffer {
  const trimmed = raw.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== 32) {
    throw new ConfigError(variable, 'must be 32 random bytes encoded as base64 (44 characters), e.g. the output of `openssl rand -base64 32`');
  }
  return key;
}

export function parseCidrList(raw: string, variable = 'WEBHOOK_ALLOW_PRIVATE'): Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      try {
        const [address, bits] = ipaddr.parseCIDR(part);
        // Compare IPv4-mapped IPv6 ranges as IPv4 so "::ffff:127.0.0.1/128" and "127.0.0.1/32" mean the same.
        if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
          return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96] as [ipaddr.IPv4, number];
        }
        return [address, bits] as [ipaddr.IPv4 | ipaddr.IPv6, number];
      } catch {
        throw new ConfigError(variable, `"${part}" is not a CIDR range; use a comma-separated list such as 127.0.0.1/32,::1/128`);
      }
    });
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };
const DURATION_MAX_MS = 30 * 86400e3;

/** A duration such as 500ms, 5s, 5m, 2h or 5d (a whole number and a unit), from 1 ms to 30 days. */
export function parseDuration(raw: string, variable: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(raw.trim());
  const ms = match ? Number(match[1]) * DURATION_UNITS_MS[match[2]!]! : NaN;
  if (!(ms >= 1 && ms <= DURATION_MAX_MS)) {
    throw new ConfigError(variable, `"${raw.trim()}" is not a duration from 1ms to 30d; write a whole number and a unit (ms, s, m, h, d), e.g. 5s or 2h`);
  }
  return ms;
}

/** A comma-separated list of 1–20 durations, e.g. 5s,5m,30m,2h,5h,10h,10h. */
export function parseRetrySchedule(raw: string, variable = 'WEBHOOK_RETRY_SCHEDULE'): number[] {
  const steps = raw.split(',').map((part) => part.trim());
  if (steps.length > 20 || steps.some((s) => s === '')) {
    throw new ConfigError(variable, `must be a comma-separated list of 1 to 20 durations such as 5s,5m,30m,2h; got "${raw}"`);
  }
  return steps.map((step) => parseDuration(step, variable));
}

/** "1.1.1.1, 10.0.0.2:5353, [2001:db8::1]:53" → the forms node's dns.Resolver#setServers takes. */
export function parseDnsServers(raw: string, variable = 'WEBHOOK_DNS_SERVERS'): string[] {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      // [v6]:port, v4:port, or a bare address of either family.
      const match = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(part) ?? /^([^:]+)(?::(\d{1,5}))?$/.exec(part) ?? /^([0-9A-Fa-f:]+)$/.exec(part);
      const address = match?.[1] ?? '';
      const port = Number(match?.[2] ?? 53);
      const valid = address.includes(':') ? ipaddr.IPv6.isValid(address) : ipaddr.IPv4.isValidFourPartDecimal(address);
      if (!valid || port < 1 || port > 65535) {
        throw new ConfigError(variable, `"${part}" is not a DNS server address; use a comma-separated list of IP addresses with optional ports, such as 1.1.1.1,10.0.0.2:5353,[2001:db8::53]:53`);
      }
      return part;
    });
}

export function parseRole(argv: readonly string[]): Role {
  const index = argv.indexOf('--role');
  const inline = argv.find((arg) => arg.startsWith('--role='));
  const value = inline ? inline.slice('--role='.length) : index >= 0 ? argv[index + 1] : 'all';
  if (value !== 'api' && value !== 'worker' && value !== 'all') {
    throw new ConfigError('--role', `must be one of api, worker, all; got "${value ?? ''}"`);
  }
  return value;
}

export function loadConfig(env: Env = process.env, argv: readonly string[] = process.argv.slice(2)): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://');
  }
  const secretKey = env.SECRET_KEY ? parseSecretKey(env.SECRET_KEY) : null;
  if (databaseUrl !== null && secretKey === null) {
    throw new ConfigError('SECRET_KEY', 'is required with DATABASE_URL (32 random bytes, base64; every process sharing the database needs the same key)');
  }
  const host = env.HOST?.trim() || '127.0.0.1';
  const allowText = env.WEBHOOK_ALLOW_PRIVATE ?? '';
  return Object.freeze({
    role: parseRole(argv),
    port: readInt(env, 'PORT', 3000, 0, 65535),
    host,
    dataDir: path.resolve(env.DATA_DIR?.trim() || './data'),
    databaseUrl,
    secretKey,
    webhookTimeoutMs: readInt(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 300_000),
    webhookLeaseMs: readInt(env, 'WEBHOOK_LEASE_MS', 3_000, 500, 600_000),
    webhookAllowPrivate: Object.freeze(parseCidrList(allowText)),
    webhookAllowPrivateText: allowText,
    webhookDnsServers: Object.freeze(parseDnsServers(env.WEBHOOK_DNS_SERVERS ?? '')),
    webhookRetryScheduleMs: Object.freeze(parseRetrySchedule(env.WEBHOOK_RETRY_SCHEDULE?.trim() || '5s,5m,30m,2h,5h,10h,10h')),
    webhookDisableAfterMs: parseDuration(env.WEBHOOK_DISABLE_AFTER?.trim() || '5d', 'WEBHOOK_DISABLE_AFTER'),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    metricsToken: env.METRICS_TOKEN?.trim() || null,
    metricsPort: env.METRICS_PORT?.trim() ? readInt(env, 'METRICS_PORT', 0, 0, 65535) : null,
    retentionDays: readInt(env, 'RETENTION_DAYS', 90, 1, 36_500),
  });
}
