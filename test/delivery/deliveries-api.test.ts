// The delivery log over REST: newest first, search on url and event name, every filter, pages with a total,
// validation, roles and tenants. Rows come from real sends (a receiver that fails one path).
import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/transaction.js';
import { claimDeliveries, releaseClaims } from '../../src/delivery/queue.js';
import { publishEvents } from '../../src/events/publish.js';
import type { Tenant } from '../helpers/app.js';
import { allFinished, createWebhook, json, startDeliveryFixture, waitForDeliveries } from './fixtures.js';

const { t, receiver, startWorker } = await startDeliveryFixture({ receiver: { responder: (r) => (r.path.startsWith('/fail') ? { status: 500 } : { status: 200 }) } });
let tenant: Tenant;
let other: Tenant;
let okHook: any;
let failHook: any;
const entity = crypto.randomUUID();

beforeAll(async () => {
  tenant = await t.signup();
  other = await t.signup();
  okHook = await createWebhook(t, tenant, { url: `${receiver.url}/ok/Zapier-Sync`, events: ['contact.created', 'deal.updated'] });
  failHook = await createWebhook(t, tenant, { url: `${receiver.url}/fail/make`, events: ['contact.created'] });
  await createWebhook(t, other, { url: `${receiver.url}/ok/other`, events: ['contact.created'] });
  const worker = startWorker();
  const actor = { companyId: tenant.companyId, userId: tenant.userId };
  // Three writes at distinct times: 2 contacts (4 deliveries), 1 deal (1), 1 contact for `entity` (2).
  await withTransaction(t.ctx.db, (tx) => publishEvents(tx, actor, [0, 1].map(() => ({ name: 'contact.created' as const, entityId: crypto.randomUUID(), payload: {} }))));
  await withTransaction(t.ctx.db, (tx) => publishEvents(tx, actor, [{ name: 'deal.updated', entityId: crypto.randomUUID(), payload: {} }]));
  await withTransaction(t.ctx.db, (tx) => publishEvents(tx, actor, [{ name: 'contact.created', entityId: entity, payload: {} }]));
  await withTransaction(t.ctx.db, (tx) => publishEvents(tx, { companyId: other.companyId, userId: other.userId }, [{ name: 'contact.created', entityId: entity, payload: {} }]));
  await waitForDeliveries(t, tenant.companyId, allFinished(7));
  await waitForDeliveries(t, other.companyId, allFinished(1));
  await worker.stop();
});

async function list(query: string, key = tenant.key) {
  const response = await t.call('GET', `/webhook-deliveries${query}`, { key });
  expect(response.status, await response.clone().text()).toBe(200);
  return json(response);
}

describe('listing the delivery log', () => {
  it('newest first with a total; only the company’s own deliveries; no bodies in the list', async () => {
    const page = await list('');
    expect(page).toMatchObject({ total: 7, page: 1, pageSize: 25 });
    expect(page.items).toHaveLength(7);
    const times = page.items.map((d: any) => Date.parse(d.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(page.items[0].entityId).toBe(entity);
    expect(page.items[0].requestBody).toBeUndefined();
    expect(page.items.every((d: any) => [okHook.id, failHook.id].includes(d.webhookId))).toBe(true);
    expect((await list('', other.key)).total).toBe(1);
  });

  it.each([
    ['?status=failed', 3],
    ['?status=success', 4],
    ['?status=pending', 0],
    ['?event=deal.updated', 1],
    ['?event=contact.created', 6],
    ['?searchTerm=zapier-sync', 4],
    ['?searchTerm=MAKE', 3],
    ['?searchTerm=deal.upd', 1],
    ['?searchTerm=CONTACT', 6],
    ['?searchTerm=nothing-like-this', 0],
    ['?searchTerm=%25', 0],
    ['?searchTerm=_', 0],
    ['?searchTerm=zapier&status=success', 4],
    ['?searchTerm=contact&status=failed', 3],
    [`?entityId=${entity}`, 2],
  ])('%s → %i', async (query, total) => {
    const page = await list(query);
    expect(page.total).toBe(total);
    expect(page.items).toHaveLength(total);
  });

  it('filters by webhook and by time range', async () => {
    expect((await list(`?webhookId=${failHook.id}`)).total).toBe(3);
    const all = (await list('')).items;
    const newest = all[0].createdAt;
    expect((await list(`?from=${encodeURIComponent(newest)}`)).total).toBe(2);
    expect((await list(`?to=${encodeURIComponent(newest)}`)).total).toBe(5);
    expect((await list('?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z')).total).toBe(0);
  });

  it('counts exactly up to 10000, then says the total is capped', async () => {
    expect((await list('')).totalCapped).toBe(false);
    const big = await t.signup();
    await t.ctx.pool.query(
      `WITH hook AS (INSERT INTO webhooks (id, company_id, url, events) VALUES (gen_random_uuid(), $1, 'https://hooks.example.com/', '{contact.created}') RETURNING id)
       INSERT INTO webhook_deliveries (company_id, webhook_id, event_id, event, entity_id, url, created_at)
       SELECT $1, hook.id, gen_random_uuid(), 'contact.created', gen_random_uuid(), 'https://hooks.example.com/', now() - i * interval '1 second'
       FROM hook, generate_series(1, 10050) AS i`,
      [big.companyId],
    );
    const page = await list('?pageSize=100&page=101', big.key);
    expect(page).toMatchObject({ total: 10000, totalCapped: true, page: 101 });
    expect(page.items).toHaveLength(50);
    expect((await list('?searchTerm=example', big.key)).totalCapped).toBe(true);
    expect((await list('?event=deal.created', big.key))).toMatchObject({ total: 0, totalCapped: false });
  });

  it('status pending and processing list unfinished deliveries, and only the company’s own', async () => {
    const fresh = await t.signup();
    await createWebhook(t, fresh, { url: `${receiver.url}/ok/queued`, events: ['contact.created'] });
    const actor = { companyId: fresh.companyId, userId: fresh.userId };
    await withTransaction(t.ctx.db, (tx) => publishEvents(tx, actor, [0, 1, 2].map(() => ({ name: 'contact.created' as const, entityId: crypto.randomUUID(), payload: {} }))));
    const pending = await list('?status=pending', fresh.key);
    expect(pending.total).toBe(3);
    expect(pending.items.every((d: any) => d.status === 'pending')).toBe(true);
    expect((await list('?status=processing', fresh.key)).total).toBe(0);
    expect((await list('?status=pending')).total).toBe(0);
    const claimed = await claimDeliveries(t.ctx.pool, { token: crypto.randomUUID(), limit: 1000, leaseMs: 60_000, perWebhookCap: 1000, perCompanyCap: 1000, inFlightByWebhook: new Map(), inFlightByCompany: new Map() });
    expect(claimed.filter((c) => c.companyId === fresh.companyId)).toHaveLength(3);
    expect((await list('?status=processing', fresh.key)).total).toBe(3);
    expect((await list('?status=pending', fresh.key)).total).toBe(0);
    await releaseClaims(t.ctx.pool, claimed);
    expect((await list('?status=pending', fresh.key)).total).toBe(3);
  });

  it('pages of 25 or 100 with page numbers', async () => {
    const second = await list('?pageSize=100&page=2');
    expect(second).toMatchObject({ total: 7, page: 2, pageSize: 100, items: [] });
  });

  it.each([
    ['?pageSize=50', /^pageSize: must be 25 or 100/],
    ['?page=0', /^page: must be a whole number/],
    ['?status=done', /^status: must be one of pending, processing, success, failed/],
    ['?event=contact.merged', /^event: must be one of contact\.created/],
    ['?webhookId=nope', /^webhookId: must be a UUID/],
    ['?from=yesterday', /^from: must be an ISO-8601 date-time/],
  ])('%s is refused with a message naming the field', async (query, message) => {
    const response = await t.call('GET', `/webhook-deliveries${query}`, { key: tenant.key });
    expect(response.status).toBe(400);
    expect((await json(response)).error.message).toMatch(message);
  });
});

describe('roles and tenants', () => {
  it('a member reads deliveries but cannot resend', async () => {
    const email = `m-${crypto.randomUUID()}@example.com`;
    await t.call('POST', '/users', { key: tenant.key, body: { email, firstName: 'M', lastName: 'M', role: 'member', password: 'member-password' } });
    const login = await t.call('POST', '/auth/login', { body: { email, password: 'member-password' } });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const id = (await list('')).items[0].id;
    expect((await t.call('GET', '/webhook-deliveries', { cookie })).status).toBe(200);
    expect((await t.call('GET', `/webhook-deliveries/${id}`, { cookie })).status).toBe(200);
    const resend = await t.call('POST', `/webhook-deliveries/${id}/resend`, { cookie, headers: { origin: 'http://localhost' } });
    expect(resend.status).toBe(403);
    expect((await json(resend)).error.message).toMatch(/only admins can resend/);
  });

  it('another company’s delivery answers 404 for read and resend', async () => {
    const foreign = (await list('', other.key)).items[0].id;
    expect((await t.call('GET', `/webhook-deliveries/${foreign}`, { key: tenant.key })).status).toBe(404);
    expect((await t.call('POST', `/webhook-deliveries/${foreign}/resend`, { key: tenant.key })).status).toBe(404);
    expect((await t.call('GET', `/webhook-deliveries/${crypto.randomUUID()}`, { key: tenant.key })).status).toBe(404);
    expect((await list(`?webhookId=${okHook.id}`, other.key)).total).toBe(0);
  });
});
