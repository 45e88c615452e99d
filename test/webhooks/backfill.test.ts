// Backfill (spec §13) against a real database, the real worker and an HTTPS receiver: exactly one snapshot per
// matching record, the filter respected, cancel, a runner that dies mid-job resumed by another without loss or
// duplicates, tenants apart, bad input named, and MCP answering like REST.
import { afterAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../helpers/app.js';
import { createWebhook, startDeliveryFixture } from '../delivery/fixtures.js';
// After the fixtures, which import the app (whose import extends zod with .openapi before any schema is built).
import { claimBackfill, runBackfillStep, startBackfillRunner } from '../../src/webhooks/backfill.js';
import { listen } from '../helpers/http-server.js';
import { connectMcp } from '../helpers/mcp.js';
import type { ReceivedRequest } from '../helpers/https-receiver.js';

const { t, receiver, startWorker } = await startDeliveryFixture();
const baseUrl = await listen(t);
startWorker();
// The runner of "another worker process"; tests that play a runner by hand stop it first.
const startRunner = () => startBackfillRunner(t.ctx, { pollMs: 100, batchRecords: 7, backlogWaitMs: 20 });
let runner = startRunner();
// Stopped before the fixture's worker and receiver: hooks after tests run in the reverse order of registration.
afterAll(() => runner.stop());

async function post(tenant: Tenant, path: string, body: unknown) {
  const response = await t.call('POST', path, { key: tenant.key, body });
  if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<any>;
}

async function contacts(tenant: Tenant, names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < names.length; i += 100) {
    const created = await post(tenant, '/contacts/many', { items: names.slice(i, i + 100).map((firstName) => ({ firstName, lastName: 'Snap' })) });
    ids.push(...(created.items ?? created).map((c: { id: string }) => c.id));
  }
  return ids;
}

async function waitForJob(tenant: Tenant, webhookId: string, jobId: string, status = 'completed', timeoutMs = 30_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await (await t.call('GET', `/webhooks/${webhookId}/backfills/${jobId}`, { key: tenant.key })).json();
    if (job.status === status) return job;
    if (Date.now() > until) throw new Error(`job did not reach ${status}: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const snapshotsAt = (path: string): ReceivedRequest[] => receiver.requests.filter((r) => r.path === path);

describe('backfill', () => {
  it('sends exactly one X.snapshot per record of the subscribed types to that webhook only, and counts them', async () => {
    const tenant = await t.signup();
    const other = await t.signup();
    const ids = await contacts(tenant, Array.from({ length: 30 }, (_, i) => `Ada${i}`));
    await post(tenant, '/deals', { name: 'Not a contact' });
    await contacts(other, ['Elsewhere']);
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/all`, events: ['contact.created', 'contact.updated'] });
    const bystander = await createWebhook(t, tenant, { url: `${receiver.url}/bystander`, events: ['contact.created'] });
    const started = await post(tenant, `/webhooks/${hook.id}/backfill`, {});
    expect(started).toMatchObject({ status: 'running', total: 30, types: ['contact'], webhookId: hook.id });

    const done = await waitForJob(tenant, hook.id, started.id);
    expect(done).toMatchObject({ status: 'completed', total: 30, queued: 30, sent: 30, failed: 0 });
    const got = snapshotsAt('/all');
    expect(got.map((r) => JSON.parse(r.body).data.entityId).sort()).toEqual([...ids].sort());
    expect(snapshotsAt('/bystander')).toHaveLength(0);
    const first = JSON.parse(got[0]!.body);
    expect(Object.keys(first)).toEqual(['event', 'data', 'timestamp']);
    expect(first.event).toBe('contact.snapshot');
    expect(first.data).toMatchObject({ companyId: tenant.companyId, userId: tenant.userId, trigger: 'backfill' });
    expect(first.data.payload.contact.id).toBe(first.data.entityId);
    expect(got[0]!.headers['x-webhook-event']).toBe('contact.snapshot');
    expect(got[0]!.headers['x-webhook-record-version']).toBe('1');

    // The log shows them as trigger "backfill"; the event feed does not list them.
    const log = await (await t.call('GET', `/webhook-deliveries?webhookId=${hook.id}&event=contact.snapshot&pageSize=100`, { key: tenant.key })).json();
    expect(log.total).toBe(30);
    expect(log.items.every((d: { trigger: string }) => d.trigger === 'backfill')).toBe(true);
    const feed = await (await t.call('GET', '/events?limit=1000', { key: tenant.key })).json();
    expect(feed.items.some((e: { event: string }) => e.event.endsWith('.snapshot'))).toBe(false);
    expect(bystander.id).toBeDefined();
  });

  it('sends only the records the filter matches, and only the types asked for', async () => {
    const tenant = await t.signup();
    const ids = await contacts(tenant, ['keep-1', 'drop-1', 'keep-2', 'drop-2', 'keep-3']);
    await post(tenant, '/deals', { name: 'Deal one' });
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/filtered`, events: ['contact.created', 'deal.created'] });
    // A filter on a field deals lack is refused for types that include deals, naming the filter's field.
    const refused = await t.call('POST', `/webhooks/${hook.id}/backfill`, { key: tenant.key, body: { filter: { field: 'firstName', op: 'contains', value: 'keep' } } });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.field).toMatch(/^filter/);
    const job = await post(tenant, `/webhooks/${hook.id}/backfill`, { types: ['contact'], filter: { field: 'firstName', op: 'contains', value: 'KEEP' } });
    expect(job).toMatchObject({ types: ['contact'], total: 5 });
    const done = await waitForJob(tenant, hook.id, job.id);
    expect(done).toMatchObject({ queued: 3, sent: 3, failed: 0 });
    const sent = snapshotsAt('/filtered').map((r) => JSON.parse(r.body).data.payload.contact.firstName);
    expect(sent.sort()).toEqual(['keep-1', 'keep-2', 'keep-3']);
    expect(ids).toHaveLength(5);
  });

  it('cancel stops queuing; a cancelled job sends nothing more', async () => {
    const tenant = await t.signup();
    await contacts(tenant, Array.from({ length: 40 }, (_, i) => `C${i}`));
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/cancel`, events: ['contact.created'] });
    // A runner of this test takes the job and queues one batch; then the job is cancelled.
    await runner.stop();
    const started = await post(tenant, `/webhooks/${hook.id}/backfill`, {});
    const mine = (await claimBackfill(t.ctx.db, 60_000))!;
    expect(mine.id).toBe(started.id);
    expect(await runBackfillStep(t.ctx.db, mine, { leaseMs: 60_000, batchRecords: 10 })).toBe('queued');
    const cancelled = await (await t.call('DELETE', `/webhooks/${hook.id}/backfills/${started.id}`, { key: tenant.key })).json();
    expect(cancelled).toMatchObject({ status: 'cancelled', queued: 10 });
    expect(await runBackfillStep(t.ctx.db, mine, { leaseMs: 60_000, batchRecords: 10 })).toBe('lost');
    runner = startRunner();
    await new Promise((r) => setTimeout(r, 500));
    const after = await (await t.call('GET', `/webhooks/${hook.id}/backfills/${started.id}`, { key: tenant.key })).json();
    expect(after).toMatchObject({ status: 'cancelled', queued: 10 });
    // The 10 already queued are still sent; nothing after them.
    const until = Date.now() + 10_000;
    while (snapshotsAt('/cancel').length < 10 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(snapshotsAt('/cancel')).toHaveLength(10);
    // Cancelling again answers the job as it is.
    expect((await t.call('DELETE', `/webhooks/${hook.id}/backfills/${started.id}`, { key: tenant.key })).status).toBe(200);
  });

  it('a runner that dies mid-job: another takes the job after the lease and finishes it, no record lost or sent twice', async () => {
    const tenant = await t.signup();
    const ids = await contacts(tenant, Array.from({ length: 25 }, (_, i) => `R${i}`));
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/resume`, events: ['contact.created'] });
    await runner.stop();
    const started = await post(tenant, `/webhooks/${hook.id}/backfill`, {});
    const dying = await claimBackfill(t.ctx.db, 60_000);
    expect(dying?.id).toBe(started.id);
    expect(await runBackfillStep(t.ctx.db, dying!, { leaseMs: 300, batchRecords: 10 })).toBe('queued');
    // Dies here: its lease (300 ms) runs out and another runner takes the job over from the cursor.
    runner = startRunner();
    const done = await waitForJob(tenant, hook.id, started.id);
    expect(done).toMatchObject({ total: 25, queued: 25, sent: 25, failed: 0 });
    // The dead runner's token is no longer valid.
    expect(await runBackfillStep(t.ctx.db, dying!, { leaseMs: 300 })).toBe('lost');
    const seen = snapshotsAt('/resume').map((r) => JSON.parse(r.body).data.entityId);
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it('bad input is named; members cannot start one; other companies see nothing', async () => {
    const tenant = await t.signup();
    const other = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/bad`, events: ['contact.created'] });
    const bad = async (body: unknown, field: string) => {
      const response = await t.call('POST', `/webhooks/${hook.id}/backfill`, { key: tenant.key, body });
      expect(response.status).toBe(400);
      const { error } = await response.json();
      expect(error.field ?? error.message).toContain(field);
    };
    await bad({ types: ['contacts'] }, 'types.0');
    await bad({ types: [{ toString: 1 }] }, 'types.0');
    await bad({ types: [] }, 'types');
    await bad({ types: ['contact', 'contact'] }, 'types');
    await bad({ filter: { field: 'nope', op: 'eq', value: 1 } }, 'filter.field');
    await bad({ extra: 1 }, 'extra');
    expect((await t.call('POST', `/webhooks/${hook.id}/backfill`, { key: other.key, body: {} })).status).toBe(404);
    const job = await post(tenant, `/webhooks/${hook.id}/backfill`, { types: ['task'] });
    expect((await t.call('GET', `/webhooks/${hook.id}/backfills/${job.id}`, { key: other.key })).status).toBe(404);
    expect((await t.call('DELETE', `/webhooks/${hook.id}/backfills/${job.id}`, { key: other.key })).status).toBe(404);
    // One job per webhook at a time (this one may already have completed: nothing to send).
    const second = await t.call('POST', `/webhooks/${hook.id}/backfill`, { key: tenant.key, body: { types: ['task'] } });
    expect([201, 409]).toContain(second.status);
    // A member reads jobs but cannot start or cancel one.
    const email = `member-${job.id.slice(0, 8)}@example.com`;
    await t.call('POST', '/users', { key: tenant.key, body: { email, firstName: 'M', lastName: 'M', role: 'member', password: 'member-password' } });
    const cookie = (await t.call('POST', '/auth/login', { body: { email, password: 'member-password' } })).headers.get('set-cookie')!.split(';')[0]!;
    const asMember = { cookie, headers: { origin: 'http://localhost' } };
    expect((await t.call('POST', `/webhooks/${hook.id}/backfill`, { ...asMember, body: {} })).status).toBe(403);
    expect((await t.call('GET', `/webhooks/${hook.id}/backfills/${job.id}`, asMember)).status).toBe(200);
    expect((await t.call('DELETE', `/webhooks/${hook.id}/backfills/${job.id}`, asMember)).status).toBe(403);
    await t.call('PATCH', `/webhooks/${hook.id}`, { key: tenant.key, body: { enabled: false } });
    expect((await t.call('POST', `/webhooks/${hook.id}/backfill`, { key: tenant.key, body: {} })).status).toBe(409);
  });

  it('MCP backfill_webhook and get_backfill answer like REST', async () => {
    const tenant = await t.signup();
    await contacts(tenant, ['M1', 'M2', 'M3']);
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/mcp`, events: ['contact.created'] });
    const mcp = await connectMcp(baseUrl, tenant.key);
    const started = await mcp.call('backfill_webhook', { webhookId: hook.id, types: ['contact'] });
    expect(started.isError).toBeFalsy();
    expect(started.structuredContent).toMatchObject({ status: 'running', total: 3 });
    const done = await waitForJob(tenant, hook.id, started.structuredContent.id);
    const viaMcp = await mcp.call('get_backfill', { webhookId: hook.id, id: done.id });
    expect(viaMcp.structuredContent).toEqual(done);
    const bad = await mcp.call('backfill_webhook', { webhookId: hook.id, types: ['contacts'] });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('types');
  });
});
