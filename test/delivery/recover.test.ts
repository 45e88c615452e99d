// Recover over REST with the real worker and a real HTTPS receiver: a dry run counts, a real run queues exactly
// the events whose deliveries all failed (not those that succeeded later, are pending or were never sent to the
// webhook, nor events outside the window), a second run queues nothing, two concurrent runs queue each event
// once, 10,000 per call with hasMore, and bad input, roles and tenants get clear errors.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/transaction.js';
import type { EventName } from '../../src/events/catalog.js';
import { publishEvents, type PublishedEvent } from '../../src/events/publish.js';
import type { Tenant } from '../helpers/app.js';
import { allFinished, createWebhook, deliveriesOf, json, startDeliveryFixture, waitForDeliveries, type DeliveryRow } from './fixtures.js';

const { t, receiver, startWorker } = await startDeliveryFixture({ resetResponder: () => ({ status: 200 }) });

const HOUR_MS = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function publish(tenant: Tenant, count: number, at = new Date(), name: EventName = 'contact.created'): Promise<PublishedEvent[]> {
  return withTransaction(t.ctx.db, (tx) =>
    publishEvents(
      tx,
      { companyId: tenant.companyId, userId: tenant.userId },
      Array.from({ length: count }, () => {
        const id = crypto.randomUUID();
        return { name, entityId: id, recordVersion: 1, payload: { contact: { id, firstName: 'Ada' } } };
      }),
      at,
    ),
  );
}

async function recover(tenant: Tenant, webhookId: string, body: Record<string, unknown>, key = tenant.key) {
  const response = await t.call('POST', `/webhooks/${webhookId}/recover`, { key, body });
  return { status: response.status, body: await json(response) };
}

async function resend(tenant: Tenant, deliveryId: string): Promise<string> {
  const response = await t.call('POST', `/webhook-deliveries/${deliveryId}/resend`, { key: tenant.key });
  expect(response.status).toBe(201);
  return (await json(response)).id;
}

const ofHook = (rows: DeliveryRow[], hookId: string) => rows.filter((r) => r.webhook_id === hookId);

describe('recover', () => {
  it('dry run, real run, second run: exactly the events whose deliveries all failed, in the window', async () => {
    const tenant = await t.signup();
    const secret = 'recover-secret-0123456789';
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/w`, events: ['contact.created'], secret });
    const bystander = await createWebhook(t, tenant, { url: `${receiver.url}/bystander`, events: ['contact.created'] });
    receiver.setResponder((r) => (r.path === '/w' ? { status: 503, body: 'deploying' } : { status: 200 }));
    const worker = startWorker();
    const [old] = await publish(tenant, 1, new Date(Date.now() - 2 * HOUR_MS)); // before the window
    const [e1, e2, e3, e4, e5] = await publish(tenant, 5);
    await publish(tenant, 1, new Date(), 'deal.created'); // the webhook does not subscribe: no delivery to recover
    await waitForDeliveries(t, tenant.companyId, allFinished(12));
    const first = (event: PublishedEvent) => ofHook(rowsNow, hook.id).find((r) => r.event_id === event.id)!;
    let rowsNow = await deliveriesOf(t, tenant.companyId);
    expect(ofHook(rowsNow, hook.id).every((r) => r.status === 'failed')).toBe(true);

    // e4 fails twice (its latest failed delivery is the resend); e2 succeeds later; e3 has a resend still pending.
    const e4Resend = await resend(tenant, first(e4!).id);
    await waitForDeliveries(t, tenant.companyId, allFinished(13));
    receiver.setResponder(() => ({ status: 200 }));
    await resend(tenant, first(e2!).id);
    await waitForDeliveries(t, tenant.companyId, allFinished(14));
    await worker.stop();
    await resend(tenant, first(e3!).id);
    rowsNow = await deliveriesOf(t, tenant.companyId);

    const since = iso(Date.now() - HOUR_MS);
    const preview = await recover(tenant, hook.id, { since, dryRun: true });
    expect(preview).toEqual({ status: 200, body: { count: 3, hasMore: false, dryRun: true } });
    expect(await deliveriesOf(t, tenant.companyId)).toHaveLength(rowsNow.length);

    const run = await recover(tenant, hook.id, { since });
    expect(run).toEqual({ status: 200, body: { count: 3, hasMore: false, dryRun: false } });
    const recovered = (await deliveriesOf(t, tenant.companyId)).filter((r) => r.trigger === 'recover');
    expect(recovered.map((r) => r.event_id).sort()).toEqual([e1!.id, e4!.id, e5!.id].sort());
    expect(recovered.every((r) => r.webhook_id === hook.id && r.status === 'pending' && r.url === `${receiver.url}/w`)).toBe(true);
    expect(recovered.find((r) => r.event_id === e4!.id)!.resend_of).toBe(e4Resend);
    expect(recovered.find((r) => r.event_id === e1!.id)!.resend_of).toBe(first(e1!).id);
    expect(recovered.some((r) => r.event_id === old!.id)).toBe(false);

    expect((await recover(tenant, hook.id, { since })).body).toEqual({ count: 0, hasMore: false, dryRun: false });
    expect((await recover(tenant, hook.id, { since, dryRun: true })).body.count).toBe(0);
    // The bystander got everything: nothing to recover there.
    expect((await recover(tenant, bystander.id, { since, dryRun: true })).body.count).toBe(0);

    // The recovered deliveries go through the normal queue: the same stored bytes, signed.
    const before = receiver.requests.length;
    startWorker();
    await waitForDeliveries(t, tenant.companyId, allFinished(rowsNow.length + 3));
    const got = receiver.requests.slice(before).filter((r) => r.path === '/w');
    const bodies = new Map([e1!, e3!, e4!, e5!].map((e) => [e.id, e.body]));
    for (const delivery of recovered) {
      const request = got.find((r) => r.headers['x-webhook-delivery'] === delivery.id)!;
      expect(request.body).toBe(bodies.get(delivery.event_id));
      expect(request.headers['x-webhook-signature']).toBe(crypto.createHmac('sha256', secret).update(request.body).digest('hex'));
    }
    const detail = await json(await t.call('GET', `/webhook-deliveries/${recovered[0]!.id}`, { key: tenant.key }));
    expect(detail).toMatchObject({ trigger: 'recover', status: 'success', resendOf: recovered[0]!.resend_of });
    expect((await recover(tenant, hook.id, { since })).body.count).toBe(0);
    // The whole window, including the old event, now finds the one event that never got through.
    expect((await recover(tenant, hook.id, { since: iso(Date.now() - 3 * HOUR_MS), dryRun: true })).body.count).toBe(1);
  });

  it('two concurrent calls queue each event once', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/down`, events: ['contact.created'] });
    receiver.setResponder(() => ({ status: 500 }));
    const worker = startWorker();
    await publish(tenant, 40);
    await waitForDeliveries(t, tenant.companyId, allFinished(40));
    await worker.stop();
    const since = iso(Date.now() - HOUR_MS);
    const results = await Promise.all([1, 2, 3].map(() => recover(tenant, hook.id, { since })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(results.map((r) => r.body.count).sort((a, b) => a - b)).toEqual([0, 0, 40]);
    const recovered = (await deliveriesOf(t, tenant.companyId)).filter((r) => r.trigger === 'recover');
    expect(new Set(recovered.map((r) => r.event_id)).size).toBe(40);
    expect(recovered).toHaveLength(40);
  });

  it('at most 10,000 per call; hasMore says when more remain', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: 'https://127.0.0.1:9/never', events: ['contact.created'] });
    // 10,005 events, each with one failed delivery, written directly (a receiver would take minutes).
    await t.ctx.pool.query(
      `WITH e AS (
         INSERT INTO events (company_id, name, entity_id, user_id, body, created_at)
         SELECT $1, 'contact.created', gen_random_uuid(), $2, '{}', now() - i * interval '1 millisecond' FROM generate_series(1, 10005) i
         RETURNING id, entity_id
       )
       INSERT INTO webhook_deliveries (company_id, webhook_id, event_id, event, entity_id, url, status, error_kind, error_message, completed_at)
       SELECT $1, $3, e.id, 'contact.created', e.entity_id, 'https://127.0.0.1:9/never', 'failed', 'connect', 'refused', now() FROM e`,
      [tenant.companyId, tenant.userId, hook.id],
    );
    const since = iso(Date.now() - HOUR_MS);
    expect((await recover(tenant, hook.id, { since, dryRun: true })).body).toEqual({ count: 10000, hasMore: true, dryRun: true });
    expect((await recover(tenant, hook.id, { since })).body).toEqual({ count: 10000, hasMore: true, dryRun: false });
    expect((await recover(tenant, hook.id, { since })).body).toEqual({ count: 5, hasMore: false, dryRun: false });
    expect((await recover(tenant, hook.id, { since })).body).toEqual({ count: 0, hasMore: false, dryRun: false });
    const { rows } = await t.ctx.pool.query(`SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS events FROM webhook_deliveries WHERE webhook_id = $1 AND trigger = 'recover'`, [hook.id]);
    expect(rows[0]).toEqual({ n: 10005, events: 10005 });
    const queued = await t.ctx.pool.query('SELECT count(*)::int AS n FROM webhook_delivery_queue WHERE webhook_id = $1', [hook.id]);
    expect(queued.rows[0].n).toBe(10005);
    // Nothing here is for a receiver: leave no backlog for the other tests' workers.
    await t.ctx.pool.query('DELETE FROM webhook_delivery_queue WHERE webhook_id = $1', [hook.id]);
  });

  it('refuses bad windows with a message naming the field', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/w`, events: ['contact.created'] });
    const now = Date.now();
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ since: iso(now), until: iso(now - HOUR_MS) }, 'since', /^since: must be before until/],
      [{ since: iso(now - HOUR_MS), until: iso(now - HOUR_MS) }, 'since', /^since: must be before until/],
      [{ since: iso(now + HOUR_MS) }, 'since', /^since: must be before now/],
      [{ since: iso(now - 31 * 24 * HOUR_MS) }, 'since', /^since: the window from since to until must be at most 30 days; got 31\.0 days/],
      [{ since: 'yesterday' }, 'since', /^since: must be an ISO-8601 date-time/],
      [{ since: '2026-04-22T10:00:00' }, 'since', /^since: must be an ISO-8601 date-time such as 2026-04-22T10:00:00Z, years 0001–9999/],
      [{ since: iso(now - HOUR_MS), until: 42 }, 'until', /^until: /],
      [{ since: iso(now - HOUR_MS), dryRun: 'yes' }, 'dryRun', /^dryRun: must be true or false/],
      [{}, 'since', /^since: /],
      [{ since: '0000-01-01T00:00:00Z', until: '0000-01-02T00:00:00Z' }, 'since', /^since: must be an ISO-8601 date-time such as 2026-04-22T10:00:00Z, years 0001–9999/],
      [{ since: iso(now - HOUR_MS), until: '0000-01-02T00:00:00Z' }, 'until', /^until: must be an ISO-8601 date-time such as 2026-04-22T10:00:00Z, years 0001–9999/],
      // Written as 0001 but year 0000 in UTC: refused like a written 0000.
      [{ since: '0001-01-01T00:30:00+01:00', until: '0001-01-02T00:00:00Z' }, 'since', /^since: must be an ISO-8601 date-time such as 2026-04-22T10:00:00Z, years 0001–9999/],
      [{ since: iso(now - HOUR_MS), limit: 5 }, '', /unknown field "limit"/],
    ];
    for (const [body, field, message] of cases) {
      const { status, body: answer } = await recover(tenant, hook.id, body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(answer.error.message, JSON.stringify(body)).toMatch(message);
      if (field) expect(answer.error.field).toBe(field);
    }
    // Exactly 30 days is allowed.
    expect((await recover(tenant, hook.id, { since: iso(now - 30 * 24 * HOUR_MS), until: iso(now), dryRun: true })).status).toBe(200);
    expect((await t.call('POST', `/webhooks/not-a-uuid/recover`, { key: tenant.key, body: { since: iso(now - HOUR_MS) } })).status).toBe(400);
  });

  it('admins only; another company’s webhook is not found; a disabled webhook only previews', async () => {
    const tenant = await t.signup();
    const other = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/w`, events: ['contact.created'] });
    const since = iso(Date.now() - HOUR_MS);
    const email = `m-${crypto.randomUUID()}@example.com`;
    await t.call('POST', '/users', { key: tenant.key, body: { email, firstName: 'M', lastName: 'M', role: 'member', password: 'member-password' } });
    const login = await t.call('POST', '/auth/login', { body: { email, password: 'member-password' } });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const member = await t.call('POST', `/webhooks/${hook.id}/recover`, { cookie, headers: { origin: 'http://localhost' }, body: { since, dryRun: true } });
    expect(member.status).toBe(403);
    expect((await json(member)).error.message).toMatch(/only admins can recover webhook deliveries/);

    const foreign = await recover(other, hook.id, { since, dryRun: true });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.message).toMatch(/webhook .* was not found/);
    expect((await recover(tenant, crypto.randomUUID(), { since })).status).toBe(404);

    await t.call('PATCH', `/webhooks/${hook.id}`, { key: tenant.key, body: { enabled: false } });
    expect((await recover(tenant, hook.id, { since, dryRun: true })).body).toEqual({ count: 0, hasMore: false, dryRun: true });
    const refused = await recover(tenant, hook.id, { since });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/is disabled; enable it first/);
  });
});
