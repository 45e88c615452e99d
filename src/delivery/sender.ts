// One delivery attempt over the network: POST the stored envelope bytes with their signature, through an undici
// agent whose DNS hook is the address guard, under one whole-request deadline, reading at most 16 KiB back.
// The name is resolved first (c-ares, cached, see dns-resolver.ts) within a DNS budget carved out of that
// deadline, so a name whose DNS never answers ends as kind `dns` and holds nothing but this delivery's slot.
// It never throws for a receiver's failure: every outcome — 2xx, 4xx, timeout, refused, bad certificate,
// blocked address, redirect — becomes a DeliveryOutcome the worker records.
// Cost: about a bare undici request() in node CPU per delivery (`npm run bench -- sender`): the two HMACs and the
// extra headers are paid for by collecting the answer without a body stream (Exchange below).
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, errors, type Dispatcher } from 'undici';
import { blockedAddressReason, type Cidr } from '../webhooks/address-policy.js';
import type { Resolver } from '../webhooks/url-rules.js';
import { createNameResolver, DnsLookupError } from './dns-resolver.js';
import { buildDeliveryHeaders, USER_AGENT } from './headers.js';
import { BlockedAddressError, createGuardedLookup } from './guarded-lookup.js';
import type { DeliveryErrorKind } from './schemas.js';

export const RESPONSE_BODY_CAP_BYTES = 16 * 1024;
export { USER_AGENT };

export interface DeliveryRequest {
  deliveryId: string;
  /** The event's id: the webhook-id header (spec §10). */
  eventId: string;
  url: string;
  event: string;
  /** The envelope exactly as stored at event time. */
  body: string;
  secret: string | null;
  /** The secret a rotation replaced, while its overlap lasts: a second webhook-signature entry. */
  previousSecret?: string | null;
  /** The webhook's custom request headers, decrypted. */
  customHeaders?: Readonly<Record<string, string>> | null;
  /** The event's record version (spec §10); the header is left out for events not about a record. */
  recordVersion?: number | null;
}

export interface DeliveryOutcome {
  status: 'success' | 'failed';
  statusCode: number | null;
  responseBody: string | null;
  error: { kind: DeliveryErrorKind; message: string } | null;
  durationMs: number;
  /** The headers as sent, with the signature masked. */
  requestHeaders: Record<string, string>;
  /** The receiver's Retry-After header on a non-2xx answer (the retry rule reads it on 429/503). */
  retryAfter?: string | null;
}

export interface DeliverySenderOptions {
  timeoutMs: number;
  allowPrivate: readonly Cidr[];
  /** Extra trusted CA certificates (PEM). Replaces the system store: for tests with a local CA only. */
  ca?: string | Buffer;
  /** DNS servers to ask (WEBHOOK_DNS_SERVERS); the system's when empty. /etc/hosts is honoured either way. */
  dnsServers?: readonly string[];
  /** Replaces DNS and /etc/hosts as the source of answers (tests inject names that resolve to chosen addresses). */
  resolve?: Resolver;
}

/**
 * How long one delivery waits for DNS: half its timeout, at most 5 s. The wait counts against the delivery's
 * own deadline and leaves the other half for connect, TLS and the answer; a dead name fails as `dns`, not `timeout`.
 */
export function dnsBudgetMs(timeoutMs: number): number {
  return Math.max(1, Math.min(5_000, Math.floor(timeoutMs / 2)));
}

export interface DeliverySender {
  send(request: DeliveryRequest, signal?: AbortSignal): Promise<DeliveryOutcome>;
  close(): Promise<void>;
}

/** The headers of spec §6 and §10 (headers.ts): what goes on the wire and what the log keeps. */
export function buildRequestHeaders(request: DeliveryRequest, nowMs = Date.now()): { sent: Record<string, string>; recorded: Record<string, string> } {
  const secrets = request.secret === null ? [] : request.previousSecret ? [request.secret, request.previousSecret] : [request.secret];
  return buildDeliveryHeaders({
    eventId: request.eventId,
    deliveryId: request.deliveryId,
    event: request.event,
    body: request.body,
    timestampSeconds: Math.floor(nowMs / 1000),
    secrets,
    recordVersion: request.recordVersion ?? null,
    customHeaders: request.customHeaders ?? null,
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Text that PostgreSQL can store: invalid UTF-8 becomes U+FFFD, and so do NUL characters. */
function toStorableText(bytes: Buffer): string {
  return utf8.decode(bytes).replace(/\u0000/g, '\uFFFD');
}

/** The reason an AbortController gives when aborted without one (what the worker's stop used to surface as). */
function stopReason(): Error {
  return new DOMException('This operation was aborted', 'AbortError');
}

function expire(exchange: Exchange): void {
  exchange.timedOut = true;
  exchange.stop();
}

function failed(started: number, requestHeaders: Record<string, string>, kind: DeliveryErrorKind, message: string, statusCode: number | null = null, responseBody: string | null = null): DeliveryOutcome {
  return { status: 'failed', statusCode, responseBody, error: { kind, message }, durationMs: Math.round(performance.now() - started), requestHeaders };
}

interface Answer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** At most RESPONSE_BODY_CAP_BYTES. */
  body: Buffer;
}

/**
 * One request's answer, collected by an undici dispatch handler: the final status, the headers, and at most
 * RESPONSE_BODY_CAP_BYTES of body; past the cap the request is aborted, so the rest is never downloaded. This
 * replaces request() with an AbortSignal and an async iteration of its body stream: no stream, iterator,
 * AbortController or signal listener per delivery. `abort(reason)` ends the request at any stage with that
 * reason, as request()'s signal did: before the request is on a socket the reason is kept and applied when it
 * gets one (until then the agent's connect timeout bounds the wait).
 *
 * It also holds the attempt's deadline and stop state, so send() creates no closure per delivery: the runtime
 * (tsx, esbuild keepNames) renames every named closure as it is created, ~0.7 µs each.
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly answer: Promise<Answer>;
  /** The deadline passed. */
  timedOut = false;
  /** The deadline passed or the worker stopped. */
  stopped = false;
  /** Only while DNS is asked (a cache miss). */
  dnsWait: AbortController | null = null;
  private resolve!: (answer: Answer) => void;
  private reject!: (error: Error) => void;
  private controller: Dispatcher.DispatchController | null = null;
  private reason: Error | null = null;
  private settled = false;
  private statusCode = 0;
  private headers: IncomingHttpHeaders = {};
  private chunks: Buffer[] = [];
  private size = 0;

  constructor() {
    this.answer = new Promise<Answer>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** The deadline or the worker's stop: ends the DNS wait and the request. */
  stop(): void {
    this.stopped = true;
    this.dnsWait?.abort();
    if (this.settled || this.reason) return;
    this.reason = stopReason();
    this.controller?.abort(this.reason);
  }

  /** The worker's stop signal (the exchange is its listener object). */
  handleEvent(): void {
    this.stop();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.reason) controller.abort(this.reason);
    else this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx: the final answer follows
    this.statusCode = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    const room = RESPONSE_BODY_CAP_BYTES - this.size;
    this.chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    this.size += Math.min(chunk.length, room);
    if (this.size >= RESPONSE_BODY_CAP_BYTES) {
      this.finish();
      controller.abort(new errors.RequestAbortedError()); // stop reading: the rest is never downloaded
    }
  }

  onResponseEnd(): void {
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.resolve({ statusCode: this.statusCode, headers: this.headers, body });
  }
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|HOSTNAME_MISMATCH|EPROTO$)/;
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'ENODATA', 'ESERVFAIL']);

/** "…ECONNREFUSED 10.0.0.7:443" → "…ECONNREFUSED (resolved address):443": names never echo what they resolved to. */
function redactAddresses(text: string): string {
  return text.replace(/\[?[0-9A-Fa-f]*[:.][0-9A-Fa-f:.]*\]?/g, (token) => {
    const bare = token.replace(/^\[|\]$/g, '');
    const withoutPort = bare.replace(/(\]?):\d+$/, '');
    const isAddress = (t: string) => ipaddr.IPv4.isValidFourPartDecimal(t) || (t.includes(':') && ipaddr.IPv6.isValid(t));
    if (isAddress(bare)) return '(resolved address)';
    if (isAddress(withoutPort)) return `(resolved address)${bare.slice(withoutPort.length)}`;
    return token;
  });
}
/**
 * The URL's host without brackets and whether it is an IP literal: hostOf()'s answer for every host the URL parser
 * accepts (it has normalised IPv4 to dotted decimal and bracketed IPv6, so net.isIP decides the same), without
 * ipaddr.js's isValid, which throws and catches an Error for every name (~12 µs, ~60 µs under load with deep
 * async stacks: a quarter of the sender's own CPU for deliveries to names).
 */
function literalHost(url: URL): { host: string; isIpLiteral: boolean } {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, isIpLiteral: net.isIP(host) !== 0 };
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Maps a network error (possibly wrapped in `cause`) to an error kind and a message a person can act on. */
export function classifyNetworkError(error: unknown, url: URL, timeoutMs: number): { kind: DeliveryErrorKind; message: string } {
  const chain: Array<Error & { code?: string }> = [];
  for (let e = error as (Error & { code?: string; cause?: unknown }) | undefined; e && chain.length < 5; e = e.cause as typeof e) chain.push(e);
  const blocked = chain.find((e) => e instanceof BlockedAddressError);
  if (blocked) return { kind: 'blocked_address', message: blocked.message };
  const unresolved = chain.find((e) => e instanceof DnsLookupError);
  if (unresolved) return { kind: 'dns', message: unresolved.message };
  const coded = chain.find((e) => typeof e.code === 'string') ?? chain[0];
  const code = coded?.code ?? '';
  const raw = `${coded?.message ?? String(error)}${code && !coded?.message?.includes(code) ? ` (${code})` : ''}`;
  const detail = literalHost(url).isIpLiteral ? raw : redactAddresses(raw);
  const where = url.host;
  if (TIMEOUT_CODES.has(code)) return { kind: 'timeout', message: `no complete answer from ${where} within ${timeoutMs} ms (${code})` };
  if (DNS_CODES.has(code)) return { kind: 'dns', message: `could not resolve ${url.hostname}: ${detail}` };
  if (TLS_CODES.test(code) || /certificate|ssl|tls/i.test(coded?.message ?? '')) {
    return { kind: 'tls', message: `TLS handshake with ${where} failed: ${detail}` };
  }
  return { kind: 'connect', message: `could not connect to ${where} or the connection broke: ${detail}` };
}

export function createDeliverySender(options: DeliverySenderOptions): DeliverySender {
  const { timeoutMs, allowPrivate } = options;
  const dnsBudget = dnsBudgetMs(timeoutMs);
  const names = createNameResolver({
    ...(options.dnsServers && options.dnsServers.length > 0 ? { servers: options.dnsServers } : {}),
    ...(options.resolve ? { source: options.resolve } : {}),
    // c-ares tries twice, doubling the wait: budget/3 + 2·budget/3 ends the shared query with the budget.
    queryTimeoutMs: Math.max(1, Math.floor(dnsBudget / 3)),
  });
  const agent = new Agent({
    connect: {
      // Normally a cache hit: send() resolved the name just before, within its budget.
      lookup: createGuardedLookup(allowPrivate, (hostname) => names.lookup(hostname, { budgetMs: dnsBudget })),
      timeout: timeoutMs,
      ...(options.ca ? { ca: options.ca } : {}),
    },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 4_000,
  });

  async function send(delivery: DeliveryRequest, signal?: AbortSignal): Promise<DeliveryOutcome> {
    const started = performance.now();
    const { sent, recorded } = buildRequestHeaders(delivery);

    let url: URL;
    try {
      url = new URL(delivery.url);
    } catch {
      return failed(started, recorded, 'connect', `"${delivery.url}" is not a valid URL`);
    }
    if (url.protocol !== 'https:') return failed(started, recorded, 'connect', `refused to send to ${url.protocol}// (only https:// is allowed)`);
    // The lookup hook is never called for IP-literal hosts, so they are checked here.
    const { host, isIpLiteral } = literalHost(url);
    if (isIpLiteral) {
      const reason = blockedAddressReason(host, allowPrivate);
      if (reason) return failed(started, recorded, 'blocked_address', new BlockedAddressError(host, host, reason).message);
    }

    // The whole-request deadline, and the worker's stop: both abort the DNS wait (an AbortController only on a
    // cache miss) and the exchange.
    const exchange = new Exchange();
    const timer = setTimeout(expire, timeoutMs, exchange);
    signal?.addEventListener('abort', exchange, { once: true });
    try {
      if (!isIpLiteral) {
        try {
          // A cached answer (nearly every delivery) is checked synchronously; only a miss waits on DNS.
          if (!names.lookupCached(host)) {
            exchange.dnsWait = new AbortController();
            await names.lookup(host, { budgetMs: dnsBudget, signal: exchange.dnsWait.signal });
          }
        } catch (error) {
          if (error instanceof DnsLookupError && !exchange.stopped) return failed(started, recorded, 'dns', error.message);
          throw error;
        }
      }
      agent.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'POST', headers: sent, body: delivery.body }, exchange);
      const response = await exchange.answer;
      const responseBody = toStorableText(response.body);
      const code = response.statusCode;
      if (code >= 200 && code < 300) {
        return { status: 'success', statusCode: code, responseBody, error: null, durationMs: Math.round(performance.now() - started), requestHeaders: recorded };
      }
      if (code >= 300 && code < 400) {
        const location = response.headers.location;
        const target = Array.isArray(location) ? location[0] : location;
        return failed(started, recorded, 'redirect', `HTTP ${code} redirect to ${target ?? '(no Location header)'}; redirects are never followed, point the webhook at the final URL`, code, responseBody);
      }
      const retryAfter = response.headers['retry-after'];
      return {
        ...failed(started, recorded, 'http_status', `HTTP ${code}${STATUS_CODES[code] ? ` ${STATUS_CODES[code]}` : ''}: only 2xx counts as delivered`, code, responseBody),
        retryAfter: (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null,
      };
    } catch (error) {
      if (exchange.timedOut) return failed(started, recorded, 'timeout', `no complete answer from ${url.host} within ${timeoutMs} ms`);
      const { kind, message } = classifyNetworkError(error, url, timeoutMs);
      return failed(started, recorded, kind, message);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', exchange);
    }
  }

  return {
    send,
    close: async () => {
      names.close();
      await agent.close();
    },
  };
}
