// One delivery attempt against real HTTPS receivers on loopback: one valid signed request, then one change
// per case (status, timeout, refused port, untrusted certificate, redirect, oversize body, blocked addresses).
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidrList } from '../../src/config.js';
import { createDeliverySender, dnsBudgetMs, RESPONSE_BODY_CAP_BYTES, USER_AGENT, type DeliveryRequest } from '../../src/delivery/sender.js';
import { startDnsServer, type DnsTestServer } from '../helpers/dns-server.js';
import { startHttpsReceiver, type HttpsReceiver } from '../helpers/https-receiver.js';

const LOOPBACK = parseCidrList('127.0.0.1/32');
const SECRET = 'use-a-random-string-from-a-password-manager';
const BODY = '{"event":"contact.updated","data":{"userId":"u","companyId":"c","entityId":"e","payload":{"contact":{"firstName":"Zoë ✓"}}},"timestamp":"2026-04-22T10:00:00.000Z"}';

// The brief's verification snippet, verbatim in substance.
function verify(rawBody: string, received: string, secret: string) {
  const expected = crypto.createHmac('sha256', secret).update(rawBody).digest('hex');
  return crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(received));
}

let receiver: HttpsReceiver;
let ca: Buffer;
beforeAll(async () => {
  receiver = await startHttpsReceiver();
  ca = fs.readFileSync(receiver.caCertPath);
});
afterAll(() => receiver.close());

function request(overrides: Partial<DeliveryRequest> = {}): DeliveryRequest {
  return { deliveryId: crypto.randomUUID(), eventId: crypto.randomUUID(), url: `${receiver.url}/hooks/crm`, event: 'contact.updated', body: BODY, secret: SECRET, ...overrides };
}

describe('a delivery request', () => {
  const sender = () => createDeliverySender({ timeoutMs: 2_000, allowPrivate: LOOPBACK, ca });

  it('POSTs the exact body with the contract headers and a signature the brief’s snippet verifies', async () => {
    receiver.setResponder(() => ({ status: 204 }));
    const before = receiver.requests.length;
    const delivery = request();
    const outcome = await sender().send(delivery);
    expect(outcome).toMatchObject({ status: 'success', statusCode: 204, error: null });
    const got = receiver.requests[before]!;
    expect(got.method).toBe('POST');
    expect(got.path).toBe('/hooks/crm');
    expect(got.body).toBe(BODY);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['user-agent']).toBe(USER_AGENT);
    expect(USER_AGENT).toMatch(/^Switchboard-Webhooks\/\d+\.\d+\.\d+/);
    expect(got.headers['x-webhook-event']).toBe('contact.updated');
    expect(got.headers['x-webhook-delivery']).toBe(delivery.deliveryId);
    const signature = got.headers['x-webhook-signature'] as string;
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(verify(got.body, signature, SECRET)).toBe(true);
    // One changed byte, or another secret, fails verification.
    expect(verify(got.body.replace('Zoë', 'Zoe'), signature, SECRET)).toBe(false);
    expect(verify(got.body, signature, `${SECRET}x`)).toBe(false);
    // The log keeps a masked signature only.
    expect(outcome.requestHeaders['x-webhook-signature']).toBe(`${signature.slice(0, 8)}…`);
    expect(outcome.requestHeaders['x-webhook-delivery']).toBe(delivery.deliveryId);
  });

  it('sends no signature header without a secret', async () => {
    const before = receiver.requests.length;
    receiver.setResponder(() => ({ status: 200 }));
    await sender().send(request({ secret: null }));
    expect(receiver.requests[before]!.headers['x-webhook-signature']).toBeUndefined();
  });

  it.each([
    [200, 'success', null],
    [299, 'success', null],
    [400, 'failed', 'http_status'],
    [404, 'failed', 'http_status'],
    [500, 'failed', 'http_status'],
    [503, 'failed', 'http_status'],
  ])('HTTP %i → %s', async (status, expected, kind) => {
    receiver.setResponder(() => ({ status, body: `answer ${status}` }));
    const outcome = await sender().send(request());
    expect(outcome.status).toBe(expected);
    expect(outcome.statusCode).toBe(status);
    expect(outcome.responseBody).toBe(`answer ${status}`);
    expect(outcome.error?.kind ?? null).toBe(kind);
    if (kind) expect(outcome.error!.message).toContain(`HTTP ${status}`);
  });

  it('a 3xx fails as redirect with the Location in the message, and the target receives nothing', async () => {
    const target = await startHttpsReceiver();
    try {
      receiver.setResponder(() => ({ status: 301, headers: { location: `${target.url}/elsewhere` } }));
      const outcome = await sender().send(request());
      expect(outcome).toMatchObject({ status: 'failed', statusCode: 301, error: { kind: 'redirect' } });
      expect(outcome.error!.message).toContain(`${target.url}/elsewhere`);
      expect(target.requests).toHaveLength(0);
    } finally {
      await target.close();
    }
  });

  it('keeps only the first 16 KiB of the response body, as text', async () => {
    receiver.setResponder(() => ({ status: 200, body: 'é'.repeat(20_000) + '\u0000tail' }));
    const outcome = await sender().send(request());
    expect(outcome.status).toBe('success');
    expect(Buffer.byteLength(outcome.responseBody!, 'utf8')).toBeLessThanOrEqual(RESPONSE_BODY_CAP_BYTES);
    expect(outcome.responseBody!.startsWith('é'.repeat(8_000))).toBe(true);
    expect(outcome.responseBody).not.toContain('tail');
  });

  it('a NUL or invalid UTF-8 in a short body is stored as a replacement character', async () => {
    receiver.setResponder(() => ({ status: 200, body: Buffer.from([0x6f, 0x6b, 0x00, 0xff]) }));
    const outcome = await sender().send(request());
    expect(outcome.responseBody).toBe('ok\uFFFD\uFFFD');
  });

  it('times out as a whole request, however the receiver stalls', async () => {
    receiver.setResponder(() => ({ hang: true }));
    const started = Date.now();
    const outcome = await createDeliverySender({ timeoutMs: 300, allowPrivate: LOOPBACK, ca }).send(request());
    expect(outcome).toMatchObject({ status: 'failed', statusCode: null, error: { kind: 'timeout' } });
    expect(outcome.error!.message).toMatch(/within 300 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a receiver that sends headers and then trickles the body also times out', async () => {
    receiver.setResponder(() => ({ status: 200, headers: { 'content-length': '100' }, body: 'partial', delayMs: 0 }));
    const outcome = await createDeliverySender({ timeoutMs: 300, allowPrivate: LOOPBACK, ca }).send(request());
    expect(outcome.status).toBe('failed');
    expect(['timeout', 'connect']).toContain(outcome.error!.kind);
  });

  it('connection refused → connect', async () => {
    const port = await freePort();
    const outcome = await sender().send(request({ url: `https://127.0.0.1:${port}/` }));
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'connect' } });
    expect(outcome.error!.message).toMatch(/ECONNREFUSED/);
  });

  it('a certificate from an untrusted CA → tls, and nothing reaches the receiver', async () => {
    const rogue = await startHttpsReceiver({ untrusted: true });
    try {
      const outcome = await sender().send(request({ url: `${rogue.url}/` }));
      expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'tls' } });
      expect(rogue.requests).toHaveLength(0);
    } finally {
      await rogue.close();
    }
  });

  it('a name that does not resolve → dns', async () => {
    const outcome = await sender().send(request({ url: 'https://no-such-host.invalid/' }));
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'dns' } });
  });
});

describe('the connect-time address guard (WEBHOOK_ALLOW_PRIVATE unset)', () => {
  it.each(['https://127.0.0.1:PORT/', 'https://[::1]:PORT/', 'https://[::ffff:127.0.0.1]:PORT/', 'https://0x7f.1:PORT/', 'https://2130706433:PORT/'])(
    'an IP-literal URL %s is refused before connecting',
    async (template) => {
      const before = receiver.requests.length;
      const outcome = await createDeliverySender({ timeoutMs: 2_000, allowPrivate: [], ca }).send(request({ url: template.replace('PORT', String(receiver.port)) }));
      expect(outcome).toMatchObject({ status: 'failed', statusCode: null, error: { kind: 'blocked_address' } });
      expect(outcome.error!.message).toMatch(/loopback/);
      expect(receiver.requests.length).toBe(before);
    },
  );

  it('a name that resolves to a blocked address at send time is refused; every answer is checked', async () => {
    const asked: string[] = [];
    const resolve = async (hostname: string) => {
      asked.push(hostname);
      return [
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ];
    };
    const before = receiver.requests.length;
    const outcome = await createDeliverySender({ timeoutMs: 2_000, allowPrivate: [], ca, resolve }).send(request({ url: `https://hooks.switchboard.test:${receiver.port}/` }));
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'blocked_address' } });
    // The message names the host and says why, but never the address it resolved to, nor its range.
    expect(outcome.error!.message).toMatch(/^refused to connect to hooks\.switchboard\.test: it resolves to a private address;/);
    expect(outcome.error!.message).not.toMatch(/127\.0\.0\.|loopback/);
    expect(asked).toEqual(['hooks.switchboard.test']);
    expect(receiver.requests.length).toBe(before);
  });

  it('the real system resolver: localhost resolves to loopback and is refused', async () => {
    const outcome = await createDeliverySender({ timeoutMs: 2_000, allowPrivate: [], ca }).send(request({ url: `https://localhost:${receiver.port}/` }));
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'blocked_address' } });
  });

  it('an allowed answer is pinned: the socket connects to the checked address, with no second lookup', async () => {
    let lookups = 0;
    const resolve = async () => {
      lookups++;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    receiver.setResponder(() => ({ status: 200 }));
    const before = receiver.requests.length;
    // hooks.switchboard.test exists nowhere but in this resolver: reaching the receiver proves the checked answer was used.
    const outcome = await createDeliverySender({ timeoutMs: 2_000, allowPrivate: LOOPBACK, ca, resolve }).send(request({ url: `https://hooks.switchboard.test:${receiver.port}/pinned` }));
    expect(outcome).toMatchObject({ status: 'success', statusCode: 200 });
    expect(receiver.requests[before]!.path).toBe('/pinned');
    expect(lookups).toBe(1);
  });
});

describe('DNS through the configured servers (c-ares, never the thread pool)', () => {
  let dnsServer: DnsTestServer;
  beforeAll(async () => {
    dnsServer = await startDnsServer();
    dnsServer.answer('receiver.switchboard.test', ['127.0.0.1']);
    dnsServer.silence('dead.switchboard.test');
  });
  afterAll(() => dnsServer.close());

  it('a name answered by the DNS server is delivered to the checked address', async () => {
    receiver.setResponder(() => ({ status: 200 }));
    const sender = createDeliverySender({ timeoutMs: 2_000, allowPrivate: LOOPBACK, ca, dnsServers: [dnsServer.address] });
    try {
      const outcome = await sender.send(request({ url: `https://receiver.switchboard.test:${receiver.port}/via-dns` }));
      expect(outcome).toMatchObject({ status: 'success', statusCode: 200 });
      expect(dnsServer.queriesFor('receiver.switchboard.test')).toBeGreaterThan(0);
    } finally {
      await sender.close();
    }
  });

  it('a name whose DNS never answers fails as dns within its share of the timeout, not as timeout', async () => {
    const sender = createDeliverySender({ timeoutMs: 600, allowPrivate: LOOPBACK, ca, dnsServers: [dnsServer.address] });
    try {
      expect(dnsBudgetMs(600)).toBe(300);
      const outcome = await sender.send(request({ url: `https://dead.switchboard.test:${receiver.port}/` }));
      expect(outcome).toMatchObject({ status: 'failed', statusCode: null, error: { kind: 'dns', message: 'could not resolve dead.switchboard.test: no answer from DNS within 300 ms' } });
      expect(dnsServer.queriesFor('dead.switchboard.test')).toBeGreaterThan(0);
    } finally {
      await sender.close();
    }
  });

  it('a failed connection to a name never echoes the address the name resolved to', async () => {
    const port = await freePort();
    const sender = createDeliverySender({ timeoutMs: 2_000, allowPrivate: LOOPBACK, ca, dnsServers: [dnsServer.address] });
    try {
      const outcome = await sender.send(request({ url: `https://receiver.switchboard.test:${port}/` }));
      expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'connect' } });
      expect(outcome.error!.message).toMatch(/ECONNREFUSED/);
      expect(outcome.error!.message).toContain('receiver.switchboard.test');
      expect(outcome.error!.message).not.toContain('127.0.0.1');
    } finally {
      await sender.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
