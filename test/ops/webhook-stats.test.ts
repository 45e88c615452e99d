// Webhook health (spec §12): the worker's results feed the hourly rollup; GET /webhooks/{id}/stats, the
// successRate24h of lists and MCP get_webhook_stats read it. Real worker, real HTTPS receiver, real MCP client.
import { beforeAll, describe, expect, it } from 'vitest';
import { DURATION_BUCKET_BOUNDS_MS, percentileFromHistogram } from '../../src/ops/stats.js';
import type { Tenant } from '../helpers/app.js';
import { listen } from '../helpers/http-server.js';
import { connectMcp } from '../helpers/mcp.js';
import { allFinished, createWebhook, json, publishContacts, startDeliveryFixture, waitForDeliveries } from '../delivery/fixtures.js';

const { t, receiver, startWorker } = await startDeliveryFixture({
  env: { WEBHOOK_TIMEOUT_MS: '1500' },
  receiver: { responder: (request) => (request.path === '/bad' ? { status: 503, body: 'down' } : { status: 200, body: 'ok' }) },
});
const HOUR_MS = 3_600_000;

const emptyHistogram = () => Array<number>(DURATION_BUCKET_BOUNDS_MS.length + 1).fill(0);

/** Rollup rows as the worker writes them, for windows and buckets the clock cannot reach in a test. */
async function seedHour(webhookId: string, hourMs: number, success: number, failed: number, durations: number[]) {
  await t.database.pool.query(
    `INSERT INTO webhook_delivery_stats (webhook_id, hour, success, failed, durations) VALUES ($1, $2, $3, $4, $5)`,
    [webhookId, new Date(Math.floor(hourMs / HOUR_MS) * HOUR_MS), success, failed, durations],
  );
}

describe('recorded results feed the stats', () => {
  it('counts successes and failures per webhook, in the current hour, and lists carry successRate24h', async () => {
    const tenant = await t.signup();
    const ok = await createWebhook(t, tenant, { url: `${receiver.url}/ok`, events: ['contact.created'] });
    const bad = await createWebhook(t, tenant, { url: `${receiver.url}/bad`, events: ['contact.created'] });
    const idle = await createWebhook(t, tenant, { url: `${receiver.url}/idle`, events: ['deal.created'] });
    startWorker();
    await publishContacts(t, tenant, 3);
    await waitForDeliveries(t, tenant.companyId, allFinished(6));

    const stats = await json(await t.call('GET', `/webhooks/${ok.id}/stats`, { key: tenant.key }));
    expect(stats).toMatchObject({ window: '24h', total: 3, success: 3, failed: 0, successRate: 1 });
    expect(stats.p50DurationMs).toBeGreaterThanOrEqual(0);
    expect(stats.p95DurationMs).toBeGreaterThanOrEqual(stats.p50DurationMs);
    expect(stats.buckets).toHaveLength(24);
    const current = stats.buckets.at(-1);
    expect(current).toMatchObject({ success: 3, failed: 0 });
    expect(Date.parse(current.start)).toBe(Math.floor(Date.now() / HOUR_MS) * HOUR_MS);
    expect(stats.buckets.slice(0, -1).every((b: any) => b.success === 0 && b.failed === 0 && b.p95DurationMs === null)).toBe(true);

    const badStats = await json(await t.call('GET', `/webhooks/${bad.id}/stats?window=7d`, { key: tenant.key }));
    expect(badStats).toMatchObject({ window: '7d', total: 3, success: 0, failed: 3, successRate: 0 });
    expect(badStats.buckets).toHaveLength(28);
    expect(badStats.buckets.at(-1)).toMatchObject({ success: 0, failed: 3 });

    const idleStats = await json(await t.call('GET', `/webhooks/${idle.id}/stats`, { key: tenant.key }));
    expect(idleStats).toMatchObject({ total: 0, successRate: null, p50DurationMs: null, p95DurationMs: null });

    const list = await json(await t.call('GET', '/webhooks', { key: tenant.key }));
    expect(Object.fromEntries(list.items.map((h: any) => [h.id, h.successRate24h]))).toEqual({ [ok.id]: 1, [bad.id]: 0, [idle.id]: null });
    expect((await json(await t.call('GET', `/webhooks/${ok.id}`, { key: tenant.key }))).successRate24h).toBe(1);
  });
});

describe('windows, buckets and percentiles', () => {
  it('24h holds the last 24 hourly buckets, 7d 28 six-hour buckets; older hours drop out', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: 'https://127.0.0.1/w', events: ['contact.created'] });
    const now = Date.now();
    const fast = emptyHistogram();
    fast[4] = 10; // 10 results between 100 and 250 ms
    await seedHour(hook.id, now - 2 * HOUR_MS, 9, 1, fast);
    const slow = emptyHistogram();
    slow[slow.length - 1] = 4; // 4 results of 30 s and more
    await seedHour(hook.id, now - 30 * HOUR_MS, 0, 4, slow);
    await seedHour(hook.id, now - 8 * 24 * HOUR_MS, 100, 0, emptyHistogram()); // outside both windows

    const day = await json(await t.call('GET', `/webhooks/${hook.id}/stats?window=24h`, { key: tenant.key }));
    expect(day).toMatchObject({ total: 10, success: 9, failed: 1, successRate: 0.9 });
    expect(day.buckets[21]).toMatchObject({ success: 9, failed: 1 });
    expect(day.p95DurationMs).toBeGreaterThanOrEqual(100);
    expect(day.p95DurationMs).toBeLessThanOrEqual(250);

    const week = await json(await t.call('GET', `/webhooks/${hook.id}/stats?window=7d`, { key: tenant.key }));
    expect(week).toMatchObject({ total: 14, success: 9, failed: 5 });
    expect(week.successRate).toBeCloseTo(9 / 14, 10);
    for (const [i, bucket] of week.buckets.entries()) {
      expect(Date.parse(bucket.start) % (6 * HOUR_MS)).toBe(0);
      if (i > 0) expect(Date.parse(bucket.start) - Date.parse(week.buckets[i - 1].start)).toBe(6 * HOUR_MS);
    }
    expect(week.buckets.reduce((n: number, b: any) => n + b.success + b.failed, 0)).toBe(14);
    expect(week.p95DurationMs).toBe(30_000); // the open-ended bucket reports its lower bound
    expect((await json(await t.call('GET', '/webhooks', { key: tenant.key }))).items[0].successRate24h).toBe(0.9);
  });

  it('estimates percentiles within the bucket that holds the rank', () => {
    const h = emptyHistogram();
    h[0] = 50; // < 10 ms
    h[5] = 50; // 250–500 ms
    expect(percentileFromHistogram(h, 0.5)).toBe(10);
    expect(percentileFromHistogram(h, 0.95)).toBe(250 + Math.round(0.9 * 250));
    expect(percentileFromHistogram(emptyHistogram(), 0.5)).toBeNull();
  });
});

describe('bad input and other companies', () => {
  let tenant: Tenant;
  let hookId: string;
  beforeAll(async () => {
    tenant = await t.signup();
    hookId = (await createWebhook(t, tenant, { url: 'https://127.0.0.1/x', events: ['contact.created'] })).id;
  });

  it('rejects an unknown window naming the field and what is allowed', async () => {
    const response = await t.call('GET', `/webhooks/${hookId}/stats?window=30d`, { key: tenant.key });
    expect(response.status).toBe(400);
    const { error } = await json(response);
    expect(error.field).toBe('window');
    expect(error.message).toMatch(/24h.*7d/);
  });

  it('answers 404 for another company’s webhook and for an unknown id', async () => {
    const other = await t.signup();
    expect((await t.call('GET', `/webhooks/${hookId}/stats`, { key: other.key })).status).toBe(404);
    expect((await t.call('GET', `/webhooks/00000000-0000-4000-8000-000000000000/stats`, { key: tenant.key })).status).toBe(404);
  });

  it('MCP get_webhook_stats answers the same, and isError names the field', async () => {
    const baseUrl = await listen(t);
    const mcp = await connectMcp(baseUrl, tenant.key);
    const rest = await json(await t.call('GET', `/webhooks/${hookId}/stats?window=7d`, { key: tenant.key }));
    const result = await mcp.call('get_webhook_stats', { id: hookId, window: '7d' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual(rest);
    const bad = await mcp.call('get_webhook_stats', { id: hookId, window: 'month' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/window/);
  });
});
