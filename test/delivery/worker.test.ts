// End to end inside one process: a write publishes events in its transaction, the worker claims and sends them
// to a real HTTPS receiver, and every outcome lands on the delivery row.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { claimDeliveries, recordOutcomes, releaseExpiredLeases, renewLeases } from '../../src/delivery/queue.js';
import type { Worker } from '../../src/delivery/worker.js';
import { withTransaction } from '../../src/db/transaction.js';
import { publishEvents } from '../../src/events/publish.js';
import { startHttpsReceiver } from '../helpers/https-receiver.js';
import { allFinished, createWebhook, deliveriesOf, expandWrites, json, publishContacts, startDeliveryFixture, waitForDeliveries } from './fixtures.js';

const { t, receiver, startWorker } = await startDeliveryFixture({ env: { WEBHOOK_TIMEOUT_MS: '1500' }, resetResponder: () => ({ status: 200, body: 'ok' }) });

describe('fan-out and sending', () => {
  it('delivers the stored envelope bytes, signed, and records everything on the row', async () => {
    const tenant = await t.signup();
    const secret = 'whsec-0123456789abcdef';
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/in`, events: ['contact.created'], secret });
    receiver.setResponder(() => ({ status: 202, body: '{"received":true}' }));
    const before = receiver.requests.length;
    startWorker();
    const [event] = await publishContacts(t, tenant, 1);
    const [row] = await waitForDeliveries(t, tenant.companyId, allFinished(1));
    const got = receiver.requests.slice(before).find((r) => r.headers['x-webhook-delivery'] === row!.id)!;
    expect(got.body).toBe(event!.body);
    const envelope = JSON.parse(got.body);
    expect(Object.keys(envelope)).toEqual(['event', 'data', 'timestamp']);
    expect(envelope.data).toMatchObject({ userId: tenant.userId, companyId: tenant.companyId, entityId: event!.entityId });
    const expected = crypto.createHmac('sha256', secret).update(got.body).digest('hex');
    expect(crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(got.headers['x-webhook-signature'] as string))).toBe(true);

    const detail = await json(await t.call('GET', `/webhook-deliveries/${row!.id}`, { key: tenant.key }));
    expect(detail).toMatchObject({
      id: row!.id,
      webhookId: hook.id,
      url: `${receiver.url}/in`,
      event: 'contact.created',
      entityId: event!.entityId,
      status: 'success',
      statusCode: 202,
      responseBody: '{"received":true}',
      error: null,
      trigger: 'event',
      resendOf: null,
      requestBody: event!.body,
    });
    expect(detail.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(detail.completedAt)).toBeGreaterThanOrEqual(Date.parse(detail.createdAt));
    expect(detail.requestHeaders).toMatchObject({ 'content-type': 'application/json', 'x-webhook-event': 'contact.created', 'x-webhook-delivery': row!.id });
    expect(detail.requestHeaders['x-webhook-signature']).toBe(`${expected.slice(0, 8)}…`);
  });

  it('one delivery per subscribed enabled webhook; unsubscribed and disabled webhooks get nothing', async () => {
    const tenant = await t.signup();
    const other = await t.signup();
    const a = await createWebhook(t, tenant, { url: `${receiver.url}/a`, events: ['contact.created', 'contact.updated'] });
    const b = await createWebhook(t, tenant, { url: `${receiver.url}/b`, events: ['contact.created'] });
    await createWebhook(t, tenant, { url: `${receiver.url}/c`, events: ['deal.created'] });
    await createWebhook(t, tenant, { url: `${receiver.url}/d`, events: ['contact.created'], enabled: false });
    await createWebhook(t, other, { url: `${receiver.url}/e`, events: ['contact.created'] });
    await publishContacts(t, tenant, 3);
    const rows = await deliveriesOf(t, tenant.companyId);
    expect(rows.map((r) => r.webhook_id).sort()).toEqual([a.id, a.id, a.id, b.id, b.id, b.id].sort());
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
    expect(await deliveriesOf(t, other.companyId)).toHaveLength(0);
  });

  it('a write that rolls back leaves no event and no delivery', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/a`, events: ['contact.created'] });
    await expect(
      withTransaction(t.ctx.db, async (tx) => {
        await publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, [{ name: 'contact.created', entityId: crypto.randomUUID(), payload: {} }]);
        throw new Error('the write failed');
      }),
    ).rejects.toThrow('the write failed');
    expect(await deliveriesOf(t, tenant.companyId)).toHaveLength(0);
  });

  it('records failures with their kind: 5xx with its body, and refused connections', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/down`, events: ['contact.created'] });
    await createWebhook(t, tenant, { url: 'https://127.0.0.1:1/', events: ['contact.created'] });
    receiver.setResponder(() => ({ status: 503, body: 'maintenance' }));
    startWorker();
    await publishContacts(t, tenant, 1);
    const rows = await waitForDeliveries(t, tenant.companyId, allFinished(2));
    const byUrl = Object.fromEntries(rows.map((r) => [r.url, r]));
    expect(byUrl[`${receiver.url}/down`]).toMatchObject({ status: 'failed', status_code: 503, error_kind: 'http_status', response_body: 'maintenance' });
    expect(byUrl['https://127.0.0.1:1/']).toMatchObject({ status: 'failed', status_code: null, error_kind: 'connect' });
  });

  it('a webhook deleted with deliveries queued: they fail as webhook_deleted, nothing is sent, history stays listable', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/gone`, events: ['contact.created'] });
    await publishContacts(t, tenant, 2);
    expect((await t.call('DELETE', `/webhooks/${hook.id}`, { key: tenant.key })).status).toBe(204);
    const before = receiver.requests.length;
    startWorker();
    await publishContacts(t, tenant, 2); // after deletion: no new rows
    const rows = await waitForDeliveries(t, tenant.companyId, allFinished(2));
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.status === 'failed' && r.error_kind === 'webhook_deleted')).toBe(true);
    const listed = await json(await t.call('GET', `/webhook-deliveries?webhookId=${hook.id}`, { key: tenant.key }));
    expect(listed.total).toBe(2);
    expect(receiver.requests.slice(before).filter((r) => r.path === '/gone')).toHaveLength(0);
  });

  it('a delivery queued in a race with the deletion is failed by the worker instead of sent', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/race`, events: ['contact.created'] });
    await publishContacts(t, tenant, 1);
    // The deletion committed without seeing the row (as with a concurrent write): remove only the webhook.
    await t.ctx.pool.query('DELETE FROM webhooks WHERE id = $1', [hook.id]);
    startWorker();
    const [row] = await waitForDeliveries(t, tenant.companyId, allFinished(1));
    expect(row).toMatchObject({ status: 'failed', error_kind: 'webhook_deleted' });
  });
});

describe('resend', () => {
  it('creates a new delivery with the same bytes to the current URL and secret; the original never changes', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/v1`, events: ['contact.created'], secret: 'first-secret-value' });
    receiver.setResponder(() => ({ status: 500, body: 'boom' }));
    startWorker();
    const [event] = await publishContacts(t, tenant, 1);
    const [original] = await waitForDeliveries(t, tenant.companyId, allFinished(1));
    const originalDetail = await json(await t.call('GET', `/webhook-deliveries/${original!.id}`, { key: tenant.key }));
    expect(originalDetail.status).toBe('failed');

    await t.call('PATCH', `/webhooks/${hook.id}`, { key: tenant.key, body: { url: `${receiver.url}/v2`, secret: 'second-secret-value' } });
    receiver.setResponder(() => ({ status: 200, body: 'fine' }));
    const before = receiver.requests.length;
    const response = await t.call('POST', `/webhook-deliveries/${original!.id}/resend`, { key: tenant.key });
    expect(response.status).toBe(201);
    const resent = await json(response);
    expect(resent).toMatchObject({ trigger: 'resend', resendOf: original!.id, webhookId: hook.id, url: `${receiver.url}/v2`, event: 'contact.created', status: 'pending' });
    expect(resent.id).not.toBe(original!.id);
    await waitForDeliveries(t, tenant.companyId, allFinished(2));
    const got = receiver.requests.slice(before).find((r) => r.headers['x-webhook-delivery'] === resent.id)!;
    expect(got.path).toBe('/v2');
    expect(got.body).toBe(event!.body);
    expect(got.headers['x-webhook-signature']).toBe(crypto.createHmac('sha256', 'second-secret-value').update(event!.body).digest('hex'));
    expect(await json(await t.call('GET', `/webhook-deliveries/${original!.id}`, { key: tenant.key }))).toEqual(originalDetail);
    const resentDetail = await json(await t.call('GET', `/webhook-deliveries/${resent.id}`, { key: tenant.key }));
    expect(resentDetail).toMatchObject({ status: 'success', statusCode: 200, requestBody: event!.body, resendOf: original!.id });
  });

  it('refuses with 409 when the webhook was deleted or is disabled', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/x`, events: ['contact.created'] });
    await publishContacts(t, tenant, 1);
    const [row] = await deliveriesOf(t, tenant.companyId);
    await t.call('PATCH', `/webhooks/${hook.id}`, { key: tenant.key, body: { enabled: false } });
    const disabled = await t.call('POST', `/webhook-deliveries/${row!.id}/resend`, { key: tenant.key });
    expect(disabled.status).toBe(409);
    expect((await json(disabled)).error.message).toMatch(/disabled/);
    await t.call('DELETE', `/webhooks/${hook.id}`, { key: tenant.key });
    const deleted = await t.call('POST', `/webhook-deliveries/${row!.id}/resend`, { key: tenant.key });
    expect(deleted.status).toBe(409);
    expect((await json(deleted)).error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/webhook .* was deleted/) });
  });
});

describe('isolation, claims and shutdown', () => {
  it('a tarpit webhook holds only its own slots: the healthy webhook’s deliveries all complete meanwhile', async () => {
    const tenant = await t.signup();
    const tarpit = await startHttpsReceiver({ responder: () => ({ hang: true }) });
    let worker: Worker | undefined;
    try {
      // The tarpit's backlog is older than every healthy row: claiming oldest-first globally would starve them.
      const slow = await createWebhook(t, tenant, { url: `${tarpit.url}/tarpit`, events: ['contact.created'] });
      await publishContacts(t, tenant, 200);
      const healthy = await createWebhook(t, tenant, { url: `${receiver.url}/healthy`, events: ['contact.created'] });
      await publishContacts(t, tenant, 30);
      worker = startWorker({ perWebhookCap: 2, perCompanyCap: 8, globalCap: 8, stopDeadlineMs: 100 });
      // Well within one tarpit timeout (1.5 s) cycle or two: the healthy webhook never waits behind the backlog.
      const rows = await waitForDeliveries(t, tenant.companyId, (all) => all.filter((r) => r.webhook_id === healthy.id && r.status === 'success').length === 30, 3_000);
      const stuck = rows.filter((r) => r.webhook_id === slow.id);
      expect(stuck.filter((r) => r.status === 'processing').length).toBeLessThanOrEqual(2);
    } finally {
      await worker?.stop();
      await tarpit.close();
    }
  });

  it('graceful stop cuts requests still running at the deadline and returns their claims to pending', async () => {
    const tenant = await t.signup();
    receiver.setResponder(() => ({ hang: true }));
    await createWebhook(t, tenant, { url: `${receiver.url}/hang`, events: ['contact.created'] });
    const before = receiver.requests.length;
    const worker = startWorker({ stopDeadlineMs: 100 });
    await publishContacts(t, tenant, 3);
    await receiver.waitFor(before + 3, 5_000);
    await worker.stop();
    const rows = await deliveriesOf(t, tenant.companyId);
    expect(rows.map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
  });

  it('a company deleted with deliveries queued leaves no queue rows behind once their lease expires', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/gone`, events: ['contact.created'] });
    await publishContacts(t, tenant, 2);
    await expandWrites(t); // the write's rows in the queue, as a worker's expansion leaves them
    const queued = async () => (await t.ctx.pool.query('SELECT count(*)::int AS n FROM webhook_delivery_queue WHERE company_id = $1', [tenant.companyId])).rows[0].n;
    expect(await queued()).toBe(2);
    await t.ctx.pool.query('DELETE FROM companies WHERE id = $1', [tenant.companyId]);
    expect(await deliveriesOf(t, tenant.companyId)).toEqual([]); // the company's delivery log goes with it (0014)
    const claimed = await claimDeliveries(t.ctx.pool, { token: crypto.randomUUID(), limit: 1000, leaseMs: 1, perWebhookCap: 1000, perCompanyCap: 1000, inFlightByWebhook: new Map(), inFlightByCompany: new Map() });
    expect(claimed.filter((c) => c.companyId === tenant.companyId)).toEqual([]);
    expect(await queued()).toBe(2);
    await new Promise((r) => setTimeout(r, 20)); // let the 1 ms lease lapse
    await releaseExpiredLeases(t.ctx.pool);
    expect(await queued()).toBe(0);
  });

  it('a company at its cap gets nothing from a claim and one below it only its free slots; other companies are served', async () => {
    const full = await t.signup();
    const half = await t.signup();
    const other = await t.signup();
    for (const tenant of [full, half, other]) {
      await createWebhook(t, tenant, { url: `${receiver.url}/cap`, events: ['contact.created'] });
      await publishContacts(t, tenant, 4);
    }
    await expandWrites(t); // the write's rows in the queue, as a worker's expansion leaves them
    const claimed = await claimDeliveries(t.ctx.pool, {
      token: crypto.randomUUID(),
      limit: 1000,
      leaseMs: 1,
      perWebhookCap: 1000,
      perCompanyCap: 3,
      inFlightByWebhook: new Map(),
      inFlightByCompany: new Map([[full.companyId, 3], [half.companyId, 2]]),
    });
    const claimedOf = (tenant: { companyId: string }) => claimed.filter((c) => c.companyId === tenant.companyId).length;
    expect([claimedOf(full), claimedOf(half), claimedOf(other)]).toEqual([0, 1, 3]);
    await new Promise((r) => setTimeout(r, 20)); // let the 1 ms lease lapse: the rows go back to pending
    await releaseExpiredLeases(t.ctx.pool);
  });

  it('a stale claim cannot overwrite the result of the worker that took the row over', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/stale`, events: ['contact.created'] });
    await publishContacts(t, tenant, 1);
    await expandWrites(t); // the write's rows in the queue, as a worker's expansion leaves them
    const claim = (token: string, leaseMs: number) =>
      claimDeliveries(t.ctx.pool, { token, limit: 1000, leaseMs, perWebhookCap: 1000, perCompanyCap: 1000, inFlightByWebhook: new Map(), inFlightByCompany: new Map() });
    const [first] = (await claim(crypto.randomUUID(), 1)).filter((c) => c.companyId === tenant.companyId);
    expect(first).toBeDefined();
    await new Promise((r) => setTimeout(r, 20)); // let the 1 ms lease lapse
    expect(await releaseExpiredLeases(t.ctx.pool)).toBeGreaterThanOrEqual(1);
    const [second] = (await claim(crypto.randomUUID(), 60_000)).filter((c) => c.id === first!.id);
    expect(second).toBeDefined();
    const outcome = (status: 'success' | 'failed') => ({ status, statusCode: 200, responseBody: status, error: null, durationMs: 1, requestHeaders: {} });
    expect(await recordOutcomes(t.ctx.pool, [{ id: first!.id, claimToken: first!.claimToken, outcome: outcome('failed') }])).toBe(0);
    expect(await recordOutcomes(t.ctx.pool, [{ id: second!.id, claimToken: second!.claimToken, outcome: outcome('success') }])).toBe(1);
    expect(await recordOutcomes(t.ctx.pool, [{ id: first!.id, claimToken: first!.claimToken, outcome: outcome('failed') }])).toBe(0);
    const [row] = await deliveriesOf(t, tenant.companyId);
    expect(row).toMatchObject({ status: 'success', response_body: 'success' });
  });

  it('the heartbeat keeps a claim whose request outlasts several leases: a second worker never sends it again', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/long`, events: ['contact.created'] });
    // Each answer takes 2.4 s (the request timeout is 10 s), three leases of 800 ms (beats every 100 ms); both
    // workers reap expired leases every 100 ms.
    receiver.setResponder(() => ({ status: 200, delayMs: 2_400 }));
    const before = receiver.requests.length;
    const options = { leaseMs: 800, heartbeatMs: 100, pollMs: 100, sender: { timeoutMs: 10_000 } };
    startWorker(options);
    startWorker(options);
    await publishContacts(t, tenant, 4);
    const rows = await waitForDeliveries(t, tenant.companyId, allFinished(4), 10_000);
    expect(rows.every((r) => r.status === 'success')).toBe(true);
    const sent = receiver.requests.slice(before).map((r) => r.headers['x-webhook-delivery']);
    expect(sent.sort()).toEqual(rows.map((r) => r.id).sort());
  });

  it('the reaper skips an expired claim whose result is being recorded, instead of waiting on it', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/reaper`, events: ['contact.created'] });
    await publishContacts(t, tenant, 2);
    await expandWrites(t); // the write's rows in the queue, as a worker's expansion leaves them
    const claimed = (
      await claimDeliveries(t.ctx.pool, { token: crypto.randomUUID(), limit: 1000, leaseMs: 1, perWebhookCap: 1000, perCompanyCap: 1000, inFlightByWebhook: new Map(), inFlightByCompany: new Map() })
    ).filter((c) => c.companyId === tenant.companyId);
    expect(claimed.length).toBe(2);
    const [recording, idle] = claimed as [(typeof claimed)[0], (typeof claimed)[0]];
    await new Promise((r) => setTimeout(r, 20)); // let the 1 ms leases lapse
    // A result batch that has locked its row (as recordOutcomes' delete does) and not yet committed.
    const batch = await t.ctx.pool.connect();
    try {
      await batch.query('BEGIN');
      await batch.query('DELETE FROM webhook_delivery_queue WHERE delivery_id = $1', [recording.id]);
      const reaped = await Promise.race([releaseExpiredLeases(t.ctx.pool), new Promise<'waited'>((r) => setTimeout(() => r('waited'), 3_000))]);
      expect(reaped).not.toBe('waited');
      const token = async (id: string) => (await t.ctx.pool.query('SELECT claim_token FROM webhook_delivery_queue WHERE delivery_id = $1', [id])).rows[0]?.claim_token;
      expect(await token(idle.id)).toBeNull(); // released
      expect(await token(recording.id)).toBe(recording.claimToken); // skipped: still the batch's
    } finally {
      await batch.query('ROLLBACK');
      batch.release();
    }
    expect(await releaseExpiredLeases(t.ctx.pool)).toBeGreaterThanOrEqual(1); // once the lock is gone, released too
  });

  it('a late heartbeat renews nothing of the claim another worker took over', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/late-beat`, events: ['contact.created'] });
    await publishContacts(t, tenant, 1);
    await expandWrites(t); // the write's rows in the queue, as a worker's expansion leaves them
    const claim = (token: string, leaseMs: number) =>
      claimDeliveries(t.ctx.pool, { token, limit: 1000, leaseMs, perWebhookCap: 1000, perCompanyCap: 1000, inFlightByWebhook: new Map(), inFlightByCompany: new Map() });
    const [first] = (await claim(crypto.randomUUID(), 1)).filter((c) => c.companyId === tenant.companyId);
    expect(await renewLeases(t.ctx.pool, [first!], 60_000)).toBe(1); // its own claim: renewed
    await t.ctx.pool.query(`UPDATE webhook_delivery_queue SET lease_expires_at = now() - interval '1 second' WHERE delivery_id = $1`, [first!.id]);
    expect(await releaseExpiredLeases(t.ctx.pool)).toBeGreaterThanOrEqual(1);
    const [second] = (await claim(crypto.randomUUID(), 1)).filter((c) => c.id === first!.id);
    expect(second).toBeDefined();
    expect(await renewLeases(t.ctx.pool, [first!], 60_000)).toBe(0); // the stalled worker's beat: nothing
    const lease = async () => (await t.ctx.pool.query('SELECT claim_token, lease_expires_at < now() + interval \'10 seconds\' AS short FROM webhook_delivery_queue WHERE delivery_id = $1', [first!.id])).rows[0];
    expect(await lease()).toEqual({ claim_token: second!.claimToken, short: true });
  });
});
