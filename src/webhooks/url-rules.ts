// The webhook URL rules of spec §5, applied when a webhook is saved. The connect-time guard
// (src/delivery/guarded-lookup.ts) checks again at every delivery: DNS answers change after saving.
import { systemNameResolver } from '../delivery/dns-resolver.js';
import { validationError } from '../errors.js';
import { blockedAddressReason, blockedHostNameReason, hostOf, type Cidr } from './address-policy.js';

export const WEBHOOK_URL_MAX_LENGTH = 2048;
const SAVE_TIME_DNS_TIMEOUT_MS = 2_000;

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** DNS servers through c-ares and /etc/hosts, cached: never dns.lookup, whose thread pool logins' scrypt shares. */
export const systemResolver: Resolver = (hostname) => systemNameResolver().lookup(hostname, { budgetMs: SAVE_TIME_DNS_TIMEOUT_MS });

const ALLOW_HINT = 'set WEBHOOK_ALLOW_PRIVATE to a CIDR such as 127.0.0.1/32 to allow it for local testing';

/** Syntax and static policy: returns the normalized URL string or throws a validation error naming `url`. */
export function normalizeWebhookUrl(raw: string, allowPrivate: readonly Cidr[]): string {
  const text = raw.trim();
  if (text.length === 0) throw validationError('url', 'is required: an https:// address such as https://hooks.example.com/crm');
  if (text.length > WEBHOOK_URL_MAX_LENGTH) throw validationError('url', `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters, got ${text.length}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw validationError('url', `"${text.slice(0, 100)}" is not an absolute URL; use an https:// address such as https://hooks.example.com/crm`);
  }
  if (url.protocol === 'http:') {
    throw validationError('url', 'must use HTTPS (https://); plain http:// is rejected because deliveries carry CRM data and signatures');
  }
  if (url.protocol !== 'https:') throw validationError('url', `must use HTTPS (https://); the scheme "${url.protocol.slice(0, -1)}" is not supported`);
  if (url.username !== '' || url.password !== '') {
    throw validationError('url', 'must not contain a user name or password (user:pass@); use a secret to authenticate deliveries');
  }
  const normalized = url.href;
  if (normalized.length > WEBHOOK_URL_MAX_LENGTH) throw validationError('url', `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters once normalized, got ${normalized.length}`);
  const { host, isIpLiteral } = hostOf(url);
  if (isIpLiteral) {
    const reason = blockedAddressReason(host, allowPrivate);
    if (reason) throw validationError('url', `points to ${host}, a ${reason} address that webhooks may not reach; ${ALLOW_HINT}`);
  } else if (allowPrivate.length === 0) {
    // With an allow-list the operator runs a private deployment on purpose (e.g. https://localhost:8443/);
    // the connect-time guard still checks every resolved address against the ranges.
    const reason = blockedHostNameReason(host);
    if (reason) throw validationError('url', `host ${reason}; webhooks must point to a public HTTPS endpoint`);
  }
  return normalized;
}

/**
 * Full save-time check: the static rules plus DNS, refusing a host that resolves only to blocked addresses
 * (spec §5). A name that does not resolve (yet) is accepted: its deliveries fail with kind "dns" until it does.
 */
export async function checkWebhookUrl(raw: string, allowPrivate: readonly Cidr[], resolve: Resolver = systemResolver): Promise<string> {
  const normalized = normalizeWebhookUrl(raw, allowPrivate);
  const { host, isIpLiteral } = hostOf(new URL(normalized));
  if (isIpLiteral) return normalized;
  let timer: NodeJS.Timeout | undefined;
  const answers = await Promise.race([
    resolve(host).catch(() => []),
    new Promise<[]>((done) => {
      timer = setTimeout(() => done([]), SAVE_TIME_DNS_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  if (answers.length > 0 && answers.every((answer) => blockedAddressReason(answer.address, allowPrivate) !== null)) {
    // Never which address or range: the message would otherwise map the internal network for whoever saves URLs.
    throw validationError('url', `host ${host} resolves to a private address, which webhooks may not reach; use a public HTTPS endpoint (an operator can exempt ranges with WEBHOOK_ALLOW_PRIVATE for local testing)`);
  }
  return normalized;
}
