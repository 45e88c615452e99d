// The delivery headers (headers.ts), by table: one valid signed request, then one change per case — a byte of
// the body, the id, the timestamp, the secret — each of which must fail. The Standard Webhooks header is
// checked with the `standardwebhooks` library itself, the brief's header with the brief's own snippet.
import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { buildDeliveryHeaders, MASKED_VALUE, USER_AGENT, type HeaderInput } from '../../src/delivery/headers.js';

const SECRET = 'whsec-fixture-0123456789';
const OLD_SECRET = 'previous-secret-abcdefgh';
const BODY = JSON.stringify({ event: 'contact.updated', data: { userId: null, companyId: crypto.randomUUID(), entityId: crypto.randomUUID(), payload: { name: 'Zoë 🚀' } }, timestamp: '2026-01-01T00:00:00.000Z' });

function fixture(overrides: Partial<HeaderInput> = {}): HeaderInput {
  return {
    eventId: crypto.randomUUID(),
    deliveryId: crypto.randomUUID(),
    event: 'contact.updated',
    body: BODY,
    timestampSeconds: Math.floor(Date.now() / 1000),
    secrets: [SECRET],
    recordVersion: 3,
    ...overrides,
  };
}

/** The brief's check (docs/webhooks.md): hex HMAC-SHA256 of the raw body, compared in constant time. */
function briefVerify(body: string, signature: string, secret: string): boolean {
  const expected = crypto.createHmac('sha256', secret).update(body).digest('hex');
  return signature.length === expected.length && crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

function standardVerify(body: string, headers: Record<string, string>, secret: string): boolean {
  try {
    new Webhook(Buffer.from(secret), { format: 'raw' }).verify(body, headers);
    return true;
  } catch {
    return false;
  }
}

const flipByte = (text: string, at: number) => {
  const bytes = Buffer.from(text, 'utf8');
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes.toString('utf8');
};

describe('buildDeliveryHeaders', () => {
  it('a valid request verifies with both schemes and carries every contract header', () => {
    const input = fixture();
    const { sent, recorded } = buildDeliveryHeaders(input);
    expect(sent).toMatchObject({
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'x-webhook-event': 'contact.updated',
      'x-webhook-delivery': input.deliveryId,
      'x-webhook-record-version': '3',
      'webhook-id': input.eventId,
      'webhook-timestamp': String(input.timestampSeconds),
    });
    expect(sent['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(standardVerify(BODY, sent, SECRET)).toBe(true);
    expect(briefVerify(BODY, sent['x-webhook-signature']!, SECRET)).toBe(true);
    // The log keeps cut signatures only.
    expect(recorded['x-webhook-signature']).toBe(`${sent['x-webhook-signature']!.slice(0, 8)}…`);
    expect(recorded['webhook-signature']).toBe(`${sent['webhook-signature']!.slice(0, 8)}…`);
    expect(recorded['webhook-id']).toBe(input.eventId);
  });

  const mutations: Array<[string, (body: string, headers: Record<string, string>) => [string, Record<string, string>, string]]> = [
    ['one byte of the body', (b, h) => [flipByte(b, 10), h, SECRET]],
    ['one byte of a multi-byte character in the body', (b, h) => [flipByte(b, Buffer.from(b).indexOf(Buffer.from('ë')) + 1), h, SECRET]],
    ['the body cut by one byte', (b, h) => [b.slice(0, -1), h, SECRET]],
    ['one character of webhook-id', (b, h) => [b, { ...h, 'webhook-id': flipByte(h['webhook-id']!, 0) }, SECRET]],
    ['webhook-timestamp one second later', (b, h) => [b, { ...h, 'webhook-timestamp': String(Number(h['webhook-timestamp']) + 1) }, SECRET]],
    ['another secret', (b, h) => [b, h, `${SECRET}x`]],
  ];
  it.each(mutations)('changing %s fails the Standard Webhooks check', (_, mutate) => {
    const { sent } = buildDeliveryHeaders(fixture());
    const [body, headers, secret] = mutate(BODY, sent);
    expect(standardVerify(body, headers, secret)).toBe(false);
  });
  it.each(mutations.filter(([name]) => !name.includes('webhook-')))('changing %s fails the brief’s check', (_, mutate) => {
    const { sent } = buildDeliveryHeaders(fixture());
    const [body, headers, secret] = mutate(BODY, sent);
    expect(briefVerify(body, headers['x-webhook-signature']!, secret)).toBe(false);
  });

  it('a timestamp outside the 5-minute tolerance fails even when correctly signed (replay protection)', () => {
    const { sent } = buildDeliveryHeaders(fixture({ timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60 }));
    expect(standardVerify(BODY, sent, SECRET)).toBe(false);
  });

  it('during a rotation both secrets sign webhook-signature, newest first; X-Webhook-Signature uses the new one only', () => {
    const { sent, recorded } = buildDeliveryHeaders(fixture({ secrets: [SECRET, OLD_SECRET] }));
    const entries = sent['webhook-signature']!.split(' ');
    expect(entries).toHaveLength(2);
    expect(standardVerify(BODY, sent, SECRET)).toBe(true);
    expect(standardVerify(BODY, sent, OLD_SECRET)).toBe(true);
    expect(standardVerify(BODY, sent, 'a third secret 123')).toBe(false);
    expect(briefVerify(BODY, sent['x-webhook-signature']!, SECRET)).toBe(true);
    expect(briefVerify(BODY, sent['x-webhook-signature']!, OLD_SECRET)).toBe(false);
    expect(recorded['webhook-signature']!.split(' ')).toHaveLength(2);
  });

  it('no secret: no signature headers, but webhook-id and webhook-timestamp all the same', () => {
    const { sent } = buildDeliveryHeaders(fixture({ secrets: [] }));
    expect(sent['webhook-signature']).toBeUndefined();
    expect(sent['x-webhook-signature']).toBeUndefined();
    expect(sent['webhook-id']).toBeDefined();
    expect(sent['webhook-timestamp']).toMatch(/^\d+$/);
  });

  it('no record version: no X-Webhook-Record-Version', () => {
    expect(buildDeliveryHeaders(fixture({ recordVersion: null })).sent['x-webhook-record-version']).toBeUndefined();
  });

  it('custom headers are sent as given and recorded masked; they never replace ours', () => {
    const { sent, recorded } = buildDeliveryHeaders(fixture({ customHeaders: { Authorization: 'Bearer gw-123', 'X-Tenant': 'acme' } }));
    expect(sent.authorization).toBe('Bearer gw-123');
    expect(sent['x-tenant']).toBe('acme');
    expect(recorded.authorization).toBe(MASKED_VALUE);
    expect(recorded['x-tenant']).toBe(MASKED_VALUE);
    expect(JSON.stringify(recorded)).not.toContain('gw-123');
    const shadowing = buildDeliveryHeaders(fixture({ customHeaders: { 'Content-Type': 'text/plain', 'webhook-id': 'forged' } }));
    expect(shadowing.sent['content-type']).toBe('application/json');
    expect(shadowing.sent['webhook-id']).not.toBe('forged');
  });
});
