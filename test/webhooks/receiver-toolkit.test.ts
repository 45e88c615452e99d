// The receiver toolkit (spec §10) end to end: the real worker, a real HTTPS receiver, REST and the SDK's MCP
// client. Every delivery verifies with the `standardwebhooks` library and with the brief's check; webhook-id is
// the event id on the first attempt, a retry, a resend and a recover; both rotation procedures see zero failed
// verifications while deliveries flow; custom headers arrive, are listed by name only and masked in the log,
// and refused names get a 400 naming the header.
import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { Tenant } from '../helpers/app.js';
import { listen } from '../helpers/http-server.js';
import type { ReceivedRequest } from '../helpers/https-receiver.js';
import { connectMcp } from '../helpers/mcp.js';
import { allFinished, createWebhook, deliveriesOf, json, publishContacts, startDeliveryFixture, waitForDeliveries } from '../delivery/fixtures.js';

const TIMEOUT_MS = 1_500;
const { t, receiver, startWorker } = await startDeliveryFixture({
  env: { WEBHOOK_RETRY_SCHEDULE: '1s', WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) },
  resetResponder: () => ({ status: 200 }),
});

const header = (r: ReceivedRequest, name: string) => r.headers[name] as string;
function standardOk(r: ReceivedRequest, secret: string): boolean {
  try {
    new Webhook(Buffer.from(secret), { format: 'raw' }).verify(r.body, r.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}
function briefOk(r: ReceivedRequest, secret: string): boolean {
  const expected = crypto.createHmac('sha256', secret).update(r.body).digest('hex');
  const got = header(r, 'x-webhook-signature') ?? '';
  return got.length === expected.length && crypto.timingSafeEqual(Buffer.from(got), Buffer.from(expected));
}
const onPath = (path: string) => receiver.requests.filter((r) => r.path === path);
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('webhook-id and signatures on every kind of delivery', () => {
  it('the first attempt, its retry, a resend and a recover carry the event id; each verifies with both schemes', async () => {
    const tenant = await t.signup();
    const secret = 'toolkit-secret-0123456789';
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/ids`, events: ['contact.created'], secret, retryPolicy: 'exponential' });
    receiver.setResponder(() => ({ status: 503 }));
    startWorker();
    const [event] = await publishContacts(t, tenant, 1);
    let rows = await waitForDeliveries(t, tenant.companyId, (r) => r.length === 2 && r.every((d) => d.status === 'failed'));
    const resent = await t.call('POST', `/webhook-deliveries/${rows[1]!.id}/resend`, { key: tenant.key });
    expect(resent.status).toBe(201);
    // The resend starts a chain of its own, retried too.
    rows = await waitForDeliveries(t, tenant.companyId, (r) => r.length === 4 && r.every((d) => d.status === 'failed'));
    receiver.setResponder(() => ({ status: 200 }));
    const recovered = await t.call('POST', `/webhooks/${hook.id}/recover`, { key: tenant.key, body: { since: new Date(Date.now() - 3_600_000).toISOString() } });
    expect((await json(recovered)).count).toBe(1);
    rows = await waitForDeliveries(t, tenant.companyId, allFinished(5));
    expect(rows.map((r) => r.trigger)).toEqual(['event', 'retry', 'resend', 'retry', 'recover']);

    const got = onPath('/ids');
    expect(got).toHaveLength(5);
    for (const r of got) {
      expect(header(r, 'webhook-id')).toBe(event!.id);
      expect(Number(header(r, 'webhook-timestamp'))).toBeGreaterThan(Date.now() / 1000 - 60);
      expect(standardOk(r, secret)).toBe(true);
      expect(briefOk(r, secret)).toBe(true);
      expect(standardOk(r, `${secret}-other`)).toBe(false);
    }
    // X-Webhook-Delivery stays per delivery.
    expect(new Set(got.map((r) => header(r, 'x-webhook-delivery'))).size).toBe(5);

    const test = await t.call('POST', `/webhooks/${hook.id}/test`, { key: tenant.key });
    const testDelivery = await json(test);
    await until(() => onPath('/ids').length === 6, 'the test event');
    const testRequest = onPath('/ids')[5]!;
    const { rows: testEvent } = await t.ctx.pool.query('SELECT event_id FROM webhook_deliveries WHERE id = $1', [testDelivery.id]);
    expect(header(testRequest, 'webhook-id')).toBe(testEvent[0].event_id);
    expect(standardOk(testRequest, secret)).toBe(true);
  });
});

/**
 * Publishes a contact event every few ms until stopped; the receiver counts verifications. Returns the stop function.
 */
function flow(tenant: Tenant): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await publishContacts(t, tenant, 1);
      await new Promise((r) => setTimeout(r, 15));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

const rotate = async (tenant: Tenant, id: string, body: Record<string, unknown>) => {
  const response = await t.call('POST', `/webhooks/${id}/secret/rotate`, { key: tenant.key, body });
  expect(response.status).toBe(200);
  return (await json(response)) as { secret: string; previousSecretExpiresAt: string | null };
};

describe('secret rotation with zero failed verifications while deliveries flow', () => {
  it('(a) webhook-signature: verify with the old secret, rotate, switch to the new secret at any moment of the overlap', async () => {
    const tenant = await t.signup();
    const oldSecret = 'rotation-old-secret-000';
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/rotate-a`, events: ['contact.created'], secret: oldSecret });
    let current = oldSecret;
    let verified = 0;
    let failures = 0;
    receiver.setResponder((r) => {
      if (standardOk(r, current)) verified++;
      else failures++;
      return { status: standardOk(r, current) ? 204 : 401 };
    });
    startWorker();
    const stop = flow(tenant);
    await until(() => verified >= 10, 'deliveries before the rotation');
    const rotated = await rotate(tenant, hook.id, {});
    expect(rotated.secret.length).toBeGreaterThanOrEqual(32);
    expect(Date.parse(rotated.previousSecretExpiresAt!) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    // Any moment of the overlap, once requests signed before the rotation have arrived (one delivery timeout).
    await new Promise((r) => setTimeout(r, TIMEOUT_MS + Math.random() * 1_000));
    const before = verified;
    current = rotated.secret;
    await until(() => verified >= before + 10, 'deliveries after the switch');
    await stop();
    await waitForDeliveries(t, tenant.companyId, (rows) => rows.every((d) => d.status === 'success' || d.status === 'failed'));
    expect(failures).toBe(0);
    expect((await deliveriesOf(t, tenant.companyId)).every((d) => d.status === 'success')).toBe(true);
    const both = onPath('/rotate-a').filter((r) => header(r, 'webhook-signature').split(' ').length === 2);
    expect(both.length).toBeGreaterThan(0);
    expect(both.every((r) => standardOk(r, oldSecret) && standardOk(r, rotated.secret) && briefOk(r, rotated.secret))).toBe(true);
  });

  it('(b) X-Webhook-Signature: the receiver accepts both, rotate with the chosen secret, the receiver drops the old one', async () => {
    const tenant = await t.signup();
    const oldSecret = 'rotation-b-old-secret-0';
    const chosen = 'rotation-b-new-secret-1';
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/rotate-b`, events: ['contact.created'], secret: oldSecret });
    let accepted = [oldSecret];
    let verified = 0;
    let failures = 0;
    receiver.setResponder((r) => {
      const ok = accepted.some((s) => briefOk(r, s));
      if (ok) verified++;
      else failures++;
      return { status: ok ? 204 : 401 };
    });
    startWorker();
    const stop = flow(tenant);
    await until(() => verified >= 10, 'deliveries before the procedure');
    accepted = [oldSecret, chosen]; // 1. the receiver accepts both
    await until(() => verified >= 15, 'deliveries while both are accepted');
    const rotated = await rotate(tenant, hook.id, { secret: chosen, overlapHours: 1 }); // 2. rotate with the chosen secret
    expect(rotated.secret).toBe(chosen);
    await new Promise((r) => setTimeout(r, TIMEOUT_MS + Math.random() * 500));
    const before = verified;
    accepted = [chosen]; // 3. the receiver drops the old one
    await until(() => verified >= before + 10, 'deliveries after dropping the old secret');
    await stop();
    await waitForDeliveries(t, tenant.companyId, (rows) => rows.every((d) => d.status === 'success' || d.status === 'failed'));
    expect(failures).toBe(0);
    expect((await deliveriesOf(t, tenant.companyId)).every((d) => d.status === 'success')).toBe(true);
  });

  it('a second rotation ends the first one’s overlap; overlapHours 0 ends it at once; setting the secret directly ends it too', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/rotate-c`, events: ['contact.created'], secret: 'rotation-c-secret-000' });
    startWorker();
    const deliverOne = async () => {
      const count = onPath('/rotate-c').length;
      await publishContacts(t, tenant, 1);
      await until(() => onPath('/rotate-c').length === count + 1, 'a delivery');
      return onPath('/rotate-c').at(-1)!;
    };
    const first = await rotate(tenant, hook.id, { secret: 'rotation-c-secret-111' });
    const second = await rotate(tenant, hook.id, { secret: 'rotation-c-secret-222', overlapHours: 2 });
    expect(Date.parse(second.previousSecretExpiresAt!) - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);
    let r = await deliverOne();
    expect(header(r, 'webhook-signature').split(' ')).toHaveLength(2);
    expect(standardOk(r, 'rotation-c-secret-222')).toBe(true);
    expect(standardOk(r, first.secret)).toBe(true);
    expect(standardOk(r, 'rotation-c-secret-000')).toBe(false);
    const dto = await json(await t.call('GET', `/webhooks/${hook.id}`, { key: tenant.key }));
    expect(dto.previousSecretExpiresAt).toBe(second.previousSecretExpiresAt);

    // Once the overlap has ended, the previous secret signs nothing (and the webhook stops showing its expiry).
    await t.ctx.pool.query(`UPDATE webhooks SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [hook.id]);
    r = await deliverOne();
    expect(header(r, 'webhook-signature').split(' ')).toHaveLength(1);
    expect(standardOk(r, first.secret)).toBe(false);
    expect(standardOk(r, 'rotation-c-secret-222')).toBe(true);
    expect((await json(await t.call('GET', `/webhooks/${hook.id}`, { key: tenant.key }))).previousSecretExpiresAt).toBeNull();

    const third = await rotate(tenant, hook.id, { overlapHours: 0 });
    expect(third.previousSecretExpiresAt).toBeNull();
    r = await deliverOne();
    expect(header(r, 'webhook-signature').split(' ')).toHaveLength(1);
    expect(standardOk(r, third.secret)).toBe(true);
    const revealed = await json(await t.call('POST', `/webhooks/${hook.id}/secret/reveal`, { key: tenant.key }));
    expect(revealed.secret).toBe(third.secret);

    await rotate(tenant, hook.id, { secret: 'rotation-c-secret-444' });
    await t.call('PATCH', `/webhooks/${hook.id}`, { key: tenant.key, body: { secret: 'rotation-c-secret-555' } });
    r = await deliverOne();
    expect(header(r, 'webhook-signature').split(' ')).toHaveLength(1);
    expect(standardOk(r, 'rotation-c-secret-555')).toBe(true);

    // The previous secret is stored encrypted, never in the clear.
    const { rows } = await t.ctx.pool.query('SELECT previous_secret_ciphertext FROM webhooks WHERE id = $1', [hook.id]);
    expect(rows[0].previous_secret_ciphertext).toBeNull();
    const fourth = await rotate(tenant, hook.id, {});
    const stored = (await t.ctx.pool.query('SELECT previous_secret_ciphertext FROM webhooks WHERE id = $1', [hook.id])).rows[0].previous_secret_ciphertext as Buffer;
    expect(stored.includes(Buffer.from('rotation-c-secret-555'))).toBe(false);
    expect(fourth.previousSecretExpiresAt).not.toBeNull();
  });

  it('bad input, members and other companies get clear errors and change nothing', async () => {
    const tenant = await t.signup();
    const other = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/rotate-d`, events: ['contact.created'], secret: 'rotation-d-secret-000' });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ overlapHours: 169 }, 'overlapHours'],
      [{ overlapHours: -1 }, 'overlapHours'],
      [{ overlapHours: 1.5 }, 'overlapHours'],
      [{ overlapHours: '24' }, 'overlapHours'],
      [{ secret: 'short' }, 'secret'],
      [{ secret: 'x'.repeat(257) }, 'secret'],
      [{ secrets: 'typo-field-name' }, ''],
    ];
    for (const [body, field] of cases) {
      const response = await t.call('POST', `/webhooks/${hook.id}/secret/rotate`, { key: tenant.key, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      const { error } = await json(response);
      expect(error.message).toContain(field || 'secrets');
    }
    expect((await t.call('POST', `/webhooks/${hook.id}/secret/rotate`, { key: other.key, body: {} })).status).toBe(404);
    const revealed = await json(await t.call('POST', `/webhooks/${hook.id}/secret/reveal`, { key: tenant.key }));
    expect(revealed.secret).toBe('rotation-d-secret-000');
    expect(revealed.previousSecretExpiresAt).toBeNull();
  });
});

describe('custom request headers', () => {
  it('arrive on every delivery, are listed by name only, masked in the log and stored encrypted', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, {
      url: `${receiver.url}/custom`,
      events: ['contact.created'],
      secret: 'custom-headers-secret',
      headers: { Authorization: 'Bearer gateway-token-123', 'X-Tenant': 'acme' },
    });
    expect(hook.headerNames).toEqual(['Authorization', 'X-Tenant']);
    expect(JSON.stringify(hook)).not.toContain('gateway-token-123');
    const listed = await json(await t.call('GET', '/webhooks', { key: tenant.key }));
    expect(JSON.stringify(listed)).not.toContain('gateway-token-123');
    const revealed = await json(await t.call('POST', `/webhooks/${hook.id}/secret/reveal`, { key: tenant.key }));
    expect(JSON.stringify(revealed)).not.toContain('gateway-token-123');
    const { rows } = await t.ctx.pool.query('SELECT headers_ciphertext, header_names FROM webhooks WHERE id = $1', [hook.id]);
    expect((rows[0].headers_ciphertext as Buffer).includes(Buffer.from('gateway-token-123'))).toBe(false);

    startWorker();
    await publishContacts(t, tenant, 1);
    const [row] = await waitForDeliveries(t, tenant.companyId, allFinished(1));
    const got = onPath('/custom').at(-1)!;
    expect(header(got, 'authorization')).toBe('Bearer gateway-token-123');
    expect(header(got, 'x-tenant')).toBe('acme');
    expect(standardOk(got, 'custom-headers-secret')).toBe(true);
    const detail = await json(await t.call('GET', `/webhook-deliveries/${row!.id}`, { key: tenant.key }));
    expect(detail.requestHeaders.authorization).toBe('••••');
    expect(detail.requestHeaders['x-tenant']).toBe('••••');
    expect(JSON.stringify(detail)).not.toContain('gateway-token-123');

    // PATCH replaces the whole set; null removes it.
    const patched = await json(await t.call('PATCH', `/webhooks/${hook.id}`, { key: tenant.key, body: { headers: { 'X-Api-Key': 'k-1' } } }));
    expect(patched.headerNames).toEqual(['X-Api-Key']);
    const cleared = await json(await t.call('PATCH', `/webhooks/${hook.id}`, { key: tenant.key, body: { headers: null } }));
    expect(cleared.headerNames).toEqual([]);
  });

  const refused: Array<[string, Record<string, unknown>, string]> = [
    ['Host', { Host: 'evil.example' }, 'headers.Host'],
    ['Content-Length', { 'Content-Length': '1' }, 'headers.Content-Length'],
    ['content-type', { 'content-type': 'text/plain' }, 'headers.content-type'],
    ['User-Agent', { 'User-Agent': 'x' }, 'headers.User-Agent'],
    ['X-Webhook-Signature', { 'X-Webhook-Signature': 'forged' }, 'headers.X-Webhook-Signature'],
    ['webhook-id', { 'webhook-id': 'forged' }, 'headers.webhook-id'],
    ['Connection', { Connection: 'close' }, 'headers.Connection'],
    ['Transfer-Encoding', { 'Transfer-Encoding': 'chunked' }, 'headers.Transfer-Encoding'],
    ['TE', { TE: 'trailers' }, 'headers.TE'],
    ['Upgrade', { Upgrade: 'h2c' }, 'headers.Upgrade'],
    ['Keep-Alive', { 'Keep-Alive': '5' }, 'headers.Keep-Alive'],
    ['Proxy-Authorization', { 'Proxy-Authorization': 'x' }, 'headers.Proxy-Authorization'],
    ['a name with a space', { 'X Bad': 'x' }, 'headers.X Bad'],
    ['a name with a colon', { 'X:Bad': 'x' }, 'headers.X:Bad'],
    ['an empty name', { '': 'x' }, 'headers.'],
    ['a value with CR LF', { 'X-Ok': 'a\r\nX-Injected: 1' }, 'headers.X-Ok'],
    ['a value with NUL', { 'X-Ok': 'a\u0000b' }, ''],
    ['a value too long', { 'X-Ok': 'x'.repeat(2001) }, 'headers.X-Ok'],
    ['a non-string value', { 'X-Ok': 5 }, 'headers.X-Ok'],
    ['the same name twice', { 'X-Ok': 'a', 'x-ok': 'b' }, 'headers.x-ok'],
    ['11 headers', Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`X-H${i}`, 'v'])), 'headers'],
  ];
  it.each(refused)('%s is refused with a 400 naming the header, on create and update', async (_, headers, field) => {
    const tenant = await t.signup();
    const create = await t.call('POST', '/webhooks', { key: tenant.key, body: { url: `${receiver.url}/x`, events: ['contact.created'], headers } });
    expect(create.status).toBe(400);
    const { error } = await json(create);
    if (field) expect(error.field ?? '').toBe(field);
    expect(error.message.length).toBeGreaterThan(10);
    const listed = await json(await t.call('GET', '/webhooks', { key: tenant.key }));
    expect(listed.items ?? listed).toHaveLength(0);
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/x`, events: ['contact.created'] });
    const update = await t.call('PATCH', `/webhooks/${hook.id}`, { key: tenant.key, body: { headers } });
    expect(update.status).toBe(400);
  });
});

describe('MCP', () => {
  it('rotate_webhook_secret and create_webhook {headers} answer like REST; errors name the field', async () => {
    const baseUrl = await listen(t);
    const tenant = await t.signup();
    const mcp = await connectMcp(baseUrl, tenant.key);
    {
      const created = await mcp.call('create_webhook', { url: `${receiver.url}/mcp`, events: ['contact.created'], secret: 'mcp-secret-00000', headers: { Authorization: 'Bearer m' } });
      expect(created.isError).toBeFalsy();
      const hook = created.structuredContent as { id: string; headerNames: string[] };
      expect(hook.headerNames).toEqual(['Authorization']);
      const rotated = await mcp.call('rotate_webhook_secret', { id: hook.id, overlapHours: 5 });
      expect(rotated.isError).toBeFalsy();
      const result = rotated.structuredContent as { secret: string; previousSecretExpiresAt: string };
      expect(result.secret.length).toBeGreaterThanOrEqual(32);
      expect(Date.parse(result.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(4.9 * 3_600_000);
      const bad = await mcp.call('rotate_webhook_secret', { id: hook.id, overlapHours: 500 });
      expect(bad.isError).toBe(true);
      expect(bad.text).toContain('overlapHours');
      const badHeader = await mcp.call('update_webhook', { id: hook.id, headers: { Host: 'x' } });
      expect(badHeader.isError).toBe(true);
      expect(badHeader.text).toContain('headers.Host');
    }
  });
});
