// Retention (spec §12): finished deliveries and events older than RETENTION_DAYS go; pending and processing
// deliveries, and the events any remaining delivery points at, stay; the feed answers 410 for a cursor from
// before the cut. Real PostgreSQL; rows are aged by moving their timestamps back.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { purgeExpired } from '../../src/ops/retention.js';
import { createTestApp, TEST_SECRET_KEY } from '../helpers/app.js';
import { createWebhook, expandWrites, json, publishContacts } from '../delivery/fixtures.js';

const t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32' });
const q = (text: string, params: unknown[] = []) => t.database.pool.query(text, params);
const DAY_MS = 86_400_000;

/** Marks deliveries finished (their queue rows gone), as the worker would have. */
async function finish(ids: string[], status: 'success' | 'failed') {
  await q('DELETE FROM webhook_delivery_queue WHERE delivery_id = ANY($1::uuid[])', [ids]);
  await q(
    `UPDATE webhook_deliveries SET status = $2, completed_at = now(), error_kind = CASE WHEN $2 = 'failed' THEN 'http_status' END
     WHERE id = ANY($1::uuid[])`,
    [ids, status],
  );
}

async function age(eventIds: string[], days: number) {
  await q(`UPDATE events SET created_at = created_at - $2 * interval '1 day' WHERE id = ANY($1::uuid[])`, [eventIds, days]);
  await q(`UPDATE webhook_deliveries SET created_at = created_at - $2 * interval '1 day' WHERE event_id = ANY($1::uuid[])`, [eventIds, days]);
}

describe('purging expired rows', () => {
  it('deletes old finished deliveries and their events, keeps pending ones, recent ones and events still referenced', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: 'https://127.0.0.1/hook', events: ['contact.created'] });
    const events = await publishContacts(t, tenant, 6);
    await expandWrites(t); // their deliveries in the log and the queue, as a worker's expansion leaves them
    const ids = events.map((e) => e.id);
    const deliveryOf = async (eventId: string) => (await q('SELECT id FROM webhook_deliveries WHERE event_id = $1', [eventId])).rows[0].id as string;
    const [oldOk, oldFailed, oldPending, oldResent, recentOk, recentPending] = ids as [string, string, string, string, string, string];
    await finish([await deliveryOf(oldOk), await deliveryOf(oldResent), await deliveryOf(recentOk)], 'success');
    await finish([await deliveryOf(oldFailed)], 'failed');
    await age([oldOk, oldFailed, oldPending, oldResent], 100);
    // A resend made yesterday of a delivery of an old event: the old delivery goes, the event stays for the resend.
    const original = await deliveryOf(oldResent);
    const resent = await json(await t.call('POST', `/webhook-deliveries/${original}/resend`, { key: tenant.key }));
    expect(resent.status).toBe('pending');

    // A feed cursor taken after the first event: the purge cuts the feed above it.
    // (An event shows in the feed once every transaction open when it was written has ended: wait for it.)
    let page = await json(await t.call('GET', '/events?limit=1', { key: tenant.key }));
    for (let i = 0; i < 100 && page.items.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      page = await json(await t.call('GET', '/events?limit=1', { key: tenant.key }));
    }
    expect(page.items.map((e: any) => e.id)).toEqual([oldOk]);

    const totals = await purgeExpired(t.ctx.db, { retentionDays: 90, batchRows: 1, pauseMinMs: 0 });
    expect(totals).toMatchObject({ deliveries: 3, events: 2 });

    const remainingEvents = (await q('SELECT id FROM events WHERE company_id = $1', [tenant.companyId])).rows.map((r) => r.id);
    expect(remainingEvents.sort()).toEqual([oldPending, oldResent, recentOk, recentPending].sort());
    const remaining = (await q('SELECT event_id, status, trigger FROM webhook_deliveries WHERE company_id = $1', [tenant.companyId])).rows;
    expect(remaining.map((r) => `${r.event_id === oldResent ? 'resent' : r.event_id === oldPending ? 'oldPending' : r.event_id === recentOk ? 'recentOk' : 'recentPending'}:${r.status}`).sort())
      .toEqual(['oldPending:pending', 'recentOk:success', 'recentPending:pending', 'resent:pending']);
    // The kept pending delivery is still in the queue and its detail (which reads the event's body) still answers.
    expect((await t.call('GET', `/webhook-deliveries/${resent.id}`, { key: tenant.key })).status).toBe(200);
    expect((await q('SELECT count(*)::int AS n FROM webhook_delivery_queue WHERE company_id = $1', [tenant.companyId])).rows[0].n).toBe(3);

    const gone = await t.call('GET', `/events?after=${encodeURIComponent(page.nextCursor)}`, { key: tenant.key });
    expect(gone.status).toBe(410);
    expect((await t.call('GET', '/events', { key: tenant.key })).status).toBe(200);

    // A second sweep finds nothing more; another company's rows are never touched.
    expect(await purgeExpired(t.ctx.db, { retentionDays: 90, pauseMinMs: 0 })).toMatchObject({ deliveries: 0, events: 0 });
  });

  it('keeps an old event whose deliveries are still a fan-out row (not yet expanded: pending)', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: 'https://127.0.0.1/hook', events: ['contact.created'] });
    const [event] = await publishContacts(t, tenant, 1);
    await q(`UPDATE events SET created_at = created_at - interval '100 days' WHERE id = $1`, [event!.id]);
    await q(`UPDATE webhook_delivery_fanout SET created_at = created_at - interval '100 days' WHERE event_id = $1`, [event!.id]);
    await purgeExpired(t.ctx.db, { retentionDays: 90, pauseMinMs: 0 });
    expect((await q('SELECT count(*)::int AS n FROM events WHERE id = $1', [event!.id])).rows[0].n).toBe(1);
    // Expanded later, its delivery is pending and its detail (the event's body) answers.
    const listed = await json(await t.call('GET', '/webhook-deliveries', { key: tenant.key }));
    expect(listed.items.map((d: any) => d.status)).toEqual(['pending']);
    expect((await t.call('GET', `/webhook-deliveries/${listed.items[0].id}`, { key: tenant.key })).status).toBe(200);
  });

  it('drops rollup hours older than the longest chart window (8 days), whatever RETENTION_DAYS', async () => {
    const hook = '00000000-0000-4000-8000-000000000001';
    const hour = (ms: number) => new Date(Math.floor(ms / 3_600_000) * 3_600_000);
    await q(`INSERT INTO webhook_delivery_stats (webhook_id, hour, success, failed, durations) VALUES ($1, $2, 1, 0, '{1}'), ($1, $3, 1, 0, '{1}')`, [
      hook,
      hour(Date.now() - 9 * DAY_MS),
      hour(Date.now() - 6 * DAY_MS),
    ]);
    const totals = await purgeExpired(t.ctx.db, { retentionDays: 365, pauseMinMs: 0 });
    expect(totals.statsRows).toBe(1);
    expect((await q('SELECT count(*)::int AS n FROM webhook_delivery_stats WHERE webhook_id = $1', [hook])).rows[0].n).toBe(1);
  });
});

describe('RETENTION_DAYS', () => {
  const base = { DATABASE_URL: 'postgres://localhost/x', SECRET_KEY: TEST_SECRET_KEY };
  it('defaults to 90 and accepts whole days', () => {
    expect(loadConfig(base, []).retentionDays).toBe(90);
    expect(loadConfig({ ...base, RETENTION_DAYS: '7' }, []).retentionDays).toBe(7);
  });
  it.each(['0', '-1', '1.5', 'ninety', '40000'])('rejects %s naming the variable', (value) => {
    expect(() => loadConfig({ ...base, RETENTION_DAYS: value }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, RETENTION_DAYS: value }, [])).toThrow(/^RETENTION_DAYS: /);
  });
});
