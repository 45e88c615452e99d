// The test event over REST with the real worker and a real HTTPS receiver: a signed webhook.test to one webhook
// only (also a disabled one, also one not subscribed to anything it matches), visible in the delivery log, never
// in the event feed and never recovered; admins only; other companies' webhooks are not found.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFeed } from '../../src/events/feed.js';
import { createWebhook, deliveriesOf, json, startDeliveryFixture, waitForDeliveries } from '../delivery/fixtures.js';

const { t, receiver, startWorker } = await startDeliveryFixture({ receiver: { responder: (r) => (r.path === '/broken' ? { status: 500, body: 'nope' } : { status: 204 }) } });
startWorker();

async function sendTest(webhookId: string, key: string) {
  const response = await t.call('POST', `/webhooks/${webhookId}/test`, { key });
  return { status: response.status, body: await json(response) };
}

async function settled(id: string, key: string) {
  for (let i = 0; i < 200; i++) {
    const delivery = await json(await t.call('GET', `/webhook-deliveries/${id}`, { key }));
    if (delivery.status === 'success' || delivery.status === 'failed') return delivery;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`delivery ${id} did not finish`);
}

describe('test event', () => {
  it('sends a signed webhook.test to that webhook only; the receiver verifies the signature', async () => {
    const tenant = await t.signup();
    const secret = 'test-event-secret-42';
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/test-me`, events: ['deal.deleted'], secret });
    const everything = await createWebhook(t, tenant, { url: `${receiver.url}/everything`, events: ['contact.created', 'contact.updated'] });
    const { status, body: queued } = await sendTest(hook.id, tenant.key);
    expect(status).toBe(201);
    expect(queued).toMatchObject({ webhookId: hook.id, event: 'webhook.test', entityId: hook.id, trigger: 'test', status: 'pending', resendOf: null, url: `${receiver.url}/test-me` });

    const done = await settled(queued.id, tenant.key);
    expect(done).toMatchObject({ status: 'success', statusCode: 204, error: null });
    const request = receiver.requests.find((r) => r.headers['x-webhook-delivery'] === queued.id)!;
    expect(request.path).toBe('/test-me');
    expect(request.headers['x-webhook-event']).toBe('webhook.test');
    expect(request.body).toBe(done.requestBody);
    // What a receiver does: HMAC-SHA256 over the raw body with the shared secret, compared in constant time.
    const expected = crypto.createHmac('sha256', secret).update(request.body).digest('hex');
    expect(crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(String(request.headers['x-webhook-signature'])))).toBe(true);
    const envelope = JSON.parse(request.body);
    expect(Object.keys(envelope)).toEqual(['event', 'data', 'timestamp']);
    expect(Object.keys(envelope.data)).toEqual(['userId', 'companyId', 'entityId', 'payload']);
    expect(envelope).toEqual({
      event: 'webhook.test',
      data: { userId: tenant.userId, companyId: tenant.companyId, entityId: hook.id, payload: { webhook: { id: hook.id, url: `${receiver.url}/test-me` } } },
      timestamp: envelope.timestamp,
    });
    expect(new Date(envelope.timestamp).toISOString()).toBe(envelope.timestamp);

    // Nobody else got it, the delivery log lists it, the event feed does not.
    expect(receiver.requests.some((r) => r.path === '/everything')).toBe(false);
    expect((await deliveriesOf(t, tenant.companyId)).map((d) => d.webhook_id)).toEqual([hook.id]);
    const log = await json(await t.call('GET', `/webhook-deliveries?webhookId=${hook.id}`, { key: tenant.key }));
    expect(log.items.map((d: any) => [d.event, d.trigger])).toEqual([['webhook.test', 'test']]);
    for (const query of ['event=webhook.test', 'searchTerm=WEBHOOK.TEST']) {
      expect((await json(await t.call('GET', `/webhook-deliveries?${query}`, { key: tenant.key }))).total, query).toBe(1);
    }
    const principal = { userId: tenant.userId, companyId: tenant.companyId, role: 'admin' as const, via: 'system' as const };
    expect((await readEventFeed(t.ctx.db, principal, {})).items).toEqual([]);
    expect(everything.id).toBeTruthy();
  });

  it('shows a failing receiver’s answer; recover never re-sends a test event', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/broken`, events: ['contact.created'] });
    const { body: queued } = await sendTest(hook.id, tenant.key);
    const done = await settled(queued.id, tenant.key);
    expect(done).toMatchObject({ status: 'failed', statusCode: 500, error: { kind: 'http_status' }, responseBody: 'nope' });
    const recovered = await t.call('POST', `/webhooks/${hook.id}/recover`, { key: tenant.key, body: { since: new Date(Date.now() - 60_000).toISOString(), dryRun: true } });
    expect((await json(recovered)).count).toBe(0);
  });

  it('a disabled webhook can be tested (to check the receiver before enabling it again)', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/resting`, events: ['contact.created'], enabled: false });
    const { status, body: queued } = await sendTest(hook.id, tenant.key);
    expect(status).toBe(201);
    expect(await settled(queued.id, tenant.key)).toMatchObject({ status: 'success', statusCode: 204 });
    expect((await json(await t.call('GET', `/webhooks/${hook.id}`, { key: tenant.key }))).enabled).toBe(false);
    await waitForDeliveries(t, tenant.companyId, (rows) => rows.length === 1);
  });

  it('admins only; another company’s webhook is not found', async () => {
    const tenant = await t.signup();
    const other = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/w`, events: ['contact.created'] });
    const email = `m-${crypto.randomUUID()}@example.com`;
    await t.call('POST', '/users', { key: tenant.key, body: { email, firstName: 'M', lastName: 'M', role: 'member', password: 'member-password' } });
    const login = await t.call('POST', '/auth/login', { body: { email, password: 'member-password' } });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const member = await t.call('POST', `/webhooks/${hook.id}/test`, { cookie, headers: { origin: 'http://localhost' } });
    expect(member.status).toBe(403);
    expect((await json(member)).error.message).toMatch(/only admins can send test events/);
    expect((await sendTest(hook.id, other.key)).status).toBe(404);
    expect((await sendTest(crypto.randomUUID(), tenant.key)).status).toBe(404);
    expect((await sendTest('nope', tenant.key)).body.error.message).toMatch(/^id: must be a UUID/);
    expect(await deliveriesOf(t, tenant.companyId)).toHaveLength(0);
    expect(await deliveriesOf(t, other.companyId)).toHaveLength(0);
  });
});
