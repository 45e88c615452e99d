// Webhook filters end to end (spec §13): saved and validated over REST and MCP, evaluated in the write's
// transaction (no delivery row for a non-match), delivered by the real worker to a real HTTPS receiver; explain
// and preview over REST and MCP, with tenants apart.
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/transaction.js';
import { expandCompanyFanout } from '../../src/delivery/fanout.js';
import { publishEvents } from '../../src/events/publish.js';
import type { Tenant } from '../helpers/app.js';
import { listen } from '../helpers/http-server.js';
import { connectMcp } from '../helpers/mcp.js';
import { createWebhook, deliveriesOf, json, startDeliveryFixture, waitForDeliveries } from '../delivery/fixtures.js';

const { t, receiver, startWorker } = await startDeliveryFixture({ receiver: { responder: () => ({ status: 200 }) } });
const baseUrl = await listen(t);
startWorker();

async function call(tenant: Tenant, method: string, path: string, body?: unknown) {
  const response = await t.call(method, path, { key: tenant.key, body });
  return { status: response.status, body: await json(response) };
}

async function stageColumn(tenant: Tenant) {
  const column = await call(tenant, 'POST', '/custom-columns', { entityType: 'deal', name: 'Stage', type: 'singleSelect', options: [{ value: 'lead', label: 'Lead' }, { value: 'proposal', label: 'Proposal' }, { value: 'won', label: 'Won' }] });
  expect(column.status).toBe(201);
  return column.body.id as string;
}

async function eventIdsOf(tenant: Tenant, entityId: string): Promise<Array<{ id: string; name: string }>> {
  const { rows } = await t.ctx.pool.query('SELECT id, name FROM events WHERE company_id = $1 AND entity_id = $2 ORDER BY created_at, id', [tenant.companyId, entityId]);
  return rows;
}

describe('a deal.updated webhook filtered on stage becomes won', () => {
  it('another stage sends nothing (no delivery row); won sends exactly one delivery to the receiver', async () => {
    const tenant = await t.signup();
    const stage = await stageColumn(tenant);
    const filter = { all: [{ field: `custom:${stage}`, op: 'becomes', value: 'Won' }] };
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/won`, events: ['deal.updated'], filter });
    // Stored normalized: the option given by its label is kept as its value.
    expect(hook.filter).toEqual({ all: [{ field: `custom:${stage}`, op: 'becomes', value: 'won' }] });
    const plain = await createWebhook(t, tenant, { url: `${receiver.url}/all`, events: ['deal.updated'] });

    const deal = (await call(tenant, 'POST', '/deals', { name: 'Relaunch', customFieldValues: [{ columnId: stage, value: 'lead' }] })).body;
    expect((await call(tenant, 'PATCH', `/deals/${deal.id}`, { customFieldValues: [{ columnId: stage, value: 'proposal' }] })).status).toBe(200);
    expect((await call(tenant, 'PATCH', `/deals/${deal.id}`, { name: 'Relaunch 2' })).status).toBe(200);
    const rows = await waitForDeliveries(t, tenant.companyId, (r) => r.filter((d) => d.webhook_id === plain.id && d.status === 'success').length === 2);
    expect(rows.filter((d) => d.webhook_id === hook.id)).toEqual([]);

    expect((await call(tenant, 'PATCH', `/deals/${deal.id}`, { customFieldValues: [{ columnId: stage, value: 'won' }] })).status).toBe(200);
    const done = await waitForDeliveries(t, tenant.companyId, (r) => r.some((d) => d.webhook_id === hook.id && d.status === 'success') && r.filter((d) => d.webhook_id === plain.id && d.status === 'success').length === 3);
    const filtered = done.filter((d) => d.webhook_id === hook.id);
    expect(filtered).toHaveLength(1);
    const received = receiver.requests.filter((r) => r.path === '/won');
    expect(received).toHaveLength(1);
    const body = JSON.parse(received[0]!.body);
    expect(body.event).toBe('deal.updated');
    expect(body.data.payload.changes.customFieldValues.current).toEqual([{ columnId: stage, value: 'won' }]);
    // Moving it again to won is no transition: nothing more.
    expect((await call(tenant, 'PATCH', `/deals/${deal.id}`, { name: 'Relaunch 3' })).status).toBe(200);
    await waitForDeliveries(t, tenant.companyId, (r) => r.filter((d) => d.webhook_id === plain.id && d.status === 'success').length === 4);
    expect((await deliveriesOf(t, tenant.companyId)).filter((d) => d.webhook_id === hook.id)).toHaveLength(1);

    // Explain: the won event was delivered; the proposal event failed the condition, with the values.
    const [, toProposal, rename, toWon] = await eventIdsOf(tenant, deal.id);
    const delivered = await call(tenant, 'POST', `/webhooks/${hook.id}/explain`, { eventId: toWon!.id });
    expect(delivered.body).toEqual({ eventId: toWon!.id, delivered: true, deliveryId: filtered[0]!.id, reasons: [expect.objectContaining({ code: 'delivered' })] });
    // By a delivery of another webhook: the event of that delivery, explained for this webhook.
    const plainOfProposal = done.find((d) => d.webhook_id === plain.id && d.event_id === toProposal!.id)!;
    const byDelivery = await call(tenant, 'POST', `/webhooks/${hook.id}/explain`, { deliveryId: plainOfProposal.id });
    expect(byDelivery.body).toMatchObject({ eventId: toProposal!.id, delivered: false, reasons: [{ code: 'filter_not_matched' }] });
    expect((await call(tenant, 'POST', `/webhooks/${hook.id}/explain`, {})).body.error).toMatchObject({ field: 'eventId', message: 'eventId: give exactly one of eventId or deliveryId' });
    const notDelivered = await call(tenant, 'POST', `/webhooks/${hook.id}/explain`, { eventId: toProposal!.id });
    expect(notDelivered.body.delivered).toBe(false);
    expect(notDelivered.body.reasons).toEqual([
      expect.objectContaining({
        code: 'filter_not_matched',
        condition: { path: 'filter.all[0]', field: `custom:${stage}`, op: 'becomes', value: 'won', previous: 'lead', current: 'proposal' },
      }),
    ]);
    expect(notDelivered.body.reasons[0].message).toContain('previous "lead", current "proposal"');
    const unchanged = await call(tenant, 'POST', `/webhooks/${hook.id}/explain`, { eventId: rename!.id });
    expect(unchanged.body.reasons[0].message).toContain('(unchanged)');

    // Preview: of the deal's updates, only the move to won matches.
    const preview = await call(tenant, 'POST', '/webhooks/filter-preview', { events: ['deal.updated'], filter });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({ matches: [{ eventId: toWon!.id, event: 'deal.updated', entityId: deal.id, timestamp: expect.any(String) }], scanned: 4 });
    expect((await call(tenant, 'POST', '/webhooks/filter-preview', { events: ['deal.updated'], filter, limit: 1 })).body).toEqual({ matches: [], scanned: 1 });
  });
});

describe('saving filters', () => {
  it('GET and list show the filter; PATCH replaces it, null clears it; changing events re-checks the kept filter', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/x`, events: ['task.updated'], filter: { field: 'status', op: 'becomes', value: 'done' } });
    expect((await call(tenant, 'GET', `/webhooks/${hook.id}`)).body.filter).toEqual({ field: 'status', op: 'becomes', value: 'done' });
    expect((await call(tenant, 'GET', '/webhooks')).body.items[0].filter).toEqual({ field: 'status', op: 'becomes', value: 'done' });
    const toDeal = await call(tenant, 'PATCH', `/webhooks/${hook.id}`, { events: ['deal.updated'] });
    expect(toDeal.status).toBe(400);
    expect(toDeal.body.error).toMatchObject({ code: 'validation_error', field: 'filter.field' });
    expect(toDeal.body.error.message).toMatch(/deal records have no field "status"/);
    const replaced = await call(tenant, 'PATCH', `/webhooks/${hook.id}`, { filter: { not: { field: 'dueDate', op: 'isNull' } } });
    expect(replaced.body.filter).toEqual({ not: { field: 'dueDate', op: 'isNull' } });
    const cleared = await call(tenant, 'PATCH', `/webhooks/${hook.id}`, { filter: null, events: ['deal.updated'] });
    expect(cleared.body).toMatchObject({ filter: null, events: ['deal.updated'] });
    const plain = await createWebhook(t, tenant, { url: `${receiver.url}/x`, events: ['task.updated'] });
    expect(plain.filter).toBeNull();
  });

  it.each([
    ['a field the type lacks', { all: [{ field: 'name', op: 'changed' }, { field: 'firstName', op: 'changed' }] }, 'filter.all[1].field', /deal records have no field "firstName"/],
    ['a wrong op for the type', { field: 'totalValue', op: 'contains', value: 'x' }, 'filter.op', /op "contains" does not apply to "totalValue"/],
    ['a malformed value', { any: [{ field: 'totalValue', op: 'gt', value: 'a lot' }] }, 'filter.any[0].value', /must be a number/],
    ['not an object', ['name'], 'filter', /must be a filter object/],
  ])('refuses %s with a 400 naming the node, and writes nothing', async (_name, filter, field, message) => {
    const tenant = await t.signup();
    const response = await call(tenant, 'POST', '/webhooks', { url: `${receiver.url}/x`, events: ['deal.updated'], filter });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe(field);
    expect(response.body.error.message).toMatch(message);
    expect((await call(tenant, 'GET', '/webhooks')).body.items).toEqual([]);
  });

  it('checks custom fields against the company’s columns: options, and columns of another company', async () => {
    const tenant = await t.signup();
    const other = await t.signup();
    const stage = await stageColumn(tenant);
    const badOption = await call(tenant, 'POST', '/webhooks', { url: `${receiver.url}/x`, events: ['deal.updated'], filter: { field: `custom:${stage}`, op: 'becomes', value: 'closed' } });
    expect(badOption.body.error).toMatchObject({ field: 'filter.value' });
    expect(badOption.body.error.message).toMatch(/allowed: "lead", "proposal", "won"/);
    const foreign = await call(other, 'POST', '/webhooks', { url: `${receiver.url}/x`, events: ['deal.updated'], filter: { field: `custom:${stage}`, op: 'changed' } });
    expect(foreign.body.error).toMatchObject({ field: 'filter.field' });
    expect(foreign.body.error.message).toMatch(/names no custom column of this company/);
  });
});

describe('filters with per-record ordering', () => {
  it('a filtered per-record webhook\'s queue rows carry the record and its version, like an unfiltered one\'s', async () => {
    const tenant = await t.signup();
    const filtered = await createWebhook(t, tenant, { url: `${receiver.url}/o`, events: ['contact.created'], ordering: 'per-record', filter: { field: 'lastName', op: 'eq', value: 'Ordered' } });
    const plain = await createWebhook(t, tenant, { url: `${receiver.url}/o`, events: ['contact.created'], ordering: 'per-record' });
    const id = crypto.randomUUID();
    await withTransaction(t.ctx.db, (tx) =>
      publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, [{ name: 'contact.created', entityId: id, recordVersion: 1, payload: { contact: { id, firstName: 'A', lastName: 'Ordered' } } }]),
    );
    await expandCompanyFanout(t.ctx.db, tenant.companyId); // as a worker does after the commit
    const { rows } = await t.ctx.db.execute<{ webhook_id: string; order_entity_id: string | null; order_version: number | null }>(
      sql`SELECT webhook_id, order_entity_id, order_version FROM webhook_delivery_queue WHERE company_id = ${tenant.companyId}`,
    );
    expect(rows.map((r) => [r.webhook_id === filtered.id ? 'filtered' : r.webhook_id === plain.id ? 'plain' : r.webhook_id, r.order_entity_id, r.order_version]).sort()).toEqual([
      ['filtered', id, 1],
      ['plain', id, 1],
    ]);
  });
});

describe('explain', () => {
  it('not subscribed, created after the event, disabled at the time; 404 for another company’s event', async () => {
    const tenant = await t.signup();
    const contact = (await call(tenant, 'POST', '/contacts', { firstName: 'Ada', lastName: 'L' })).body;
    const [created] = await eventIdsOf(tenant, contact.id);
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/x`, events: ['deal.created'], enabled: false });
    const answer = await call(tenant, 'POST', `/webhooks/${hook.id}/explain`, { eventId: created!.id });
    expect(answer.body.delivered).toBe(false);
    expect(answer.body.reasons.map((r: { code: string }) => r.code)).toEqual(['not_subscribed', 'created_after_event', 'changed_since_event']);
    // Disabled before the event: "disabled" is known from disabledAt.
    await call(tenant, 'PATCH', `/webhooks/${hook.id}`, { events: ['contact.updated'] });
    expect((await call(tenant, 'PATCH', `/contacts/${contact.id}`, { lastName: 'Lovelace' })).status).toBe(200);
    const updated = (await eventIdsOf(tenant, contact.id))[1]!;
    const disabled = await call(tenant, 'POST', `/webhooks/${hook.id}/explain`, { eventId: updated.id });
    expect(disabled.body.reasons).toEqual([expect.objectContaining({ code: 'disabled', message: expect.stringMatching(/disabled since .* \(manual\)/) })]);

    const other = await t.signup();
    expect((await call(other, 'POST', `/webhooks/${hook.id}/explain`, { eventId: updated.id })).status).toBe(404);
    const otherHook = await createWebhook(t, other, { url: `${receiver.url}/x`, events: ['contact.updated'] });
    const foreignEvent = await call(other, 'POST', `/webhooks/${otherHook.id}/explain`, { eventId: updated.id });
    expect(foreignEvent.status).toBe(404);
    expect(foreignEvent.body.error.message).toMatch(/^event .* was not found/);
    expect((await call(other, 'POST', `/webhooks/${otherHook.id}/explain`, { eventId: 'nope' })).body.error.field).toBe('eventId');
  });
});

describe('MCP', () => {
  it('create_webhook takes a filter; explain_webhook_event and preview_webhook_filter answer like REST; errors name the node', async () => {
    const tenant = await t.signup();
    const mcp = await connectMcp(baseUrl, tenant.key);
    const created = await mcp.call('create_webhook', { url: `${receiver.url}/mcp`, events: ['contact.updated'], filter: { field: 'emails', op: 'changed' } });
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent.filter).toEqual({ field: 'emails', op: 'changed' });
    const bad = await mcp.call('update_webhook', { id: created.structuredContent.id, filter: { all: [{ field: 'emails', op: 'gt', value: 1 }] } });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/^filter\.all\[0\]\.op: op "gt" does not apply to "emails"/);

    const contact = (await call(tenant, 'POST', '/contacts', { firstName: 'Ada', lastName: 'L' })).body;
    await call(tenant, 'PATCH', `/contacts/${contact.id}`, { emails: ['ada@example.com'] });
    await call(tenant, 'PATCH', `/contacts/${contact.id}`, { lastName: 'Lovelace' });
    const [, emailChange, rename] = await eventIdsOf(tenant, contact.id);
    const preview = await mcp.call('preview_webhook_filter', { events: ['contact.updated'], filter: { field: 'emails', op: 'changed' } });
    expect(preview.structuredContent).toEqual({ matches: [expect.objectContaining({ eventId: emailChange!.id, entityId: contact.id })], scanned: 2 });
    const explained = await mcp.call('explain_webhook_event', { webhookId: created.structuredContent.id, eventId: rename!.id });
    expect(explained.structuredContent).toMatchObject({ delivered: false, deliveryId: null, reasons: [{ code: 'filter_not_matched', condition: { field: 'emails', op: 'changed' } }] });
    const badPreview = await mcp.call('preview_webhook_filter', { events: ['contact.updated'], filter: { field: 'name', op: 'changed' }, limit: 5 });
    expect(badPreview.text).toMatch(/^filter\.field: contact records have no field "name"/);
    expect((await mcp.call('preview_webhook_filter', { events: ['contact.updated'], filter: { field: 'emails', op: 'changed' }, limit: 5000 })).text).toMatch(/^limit: must be at most 1000/);
  });
});
