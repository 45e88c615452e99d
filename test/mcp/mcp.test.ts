// Every MCP tool driven by the SDK's own Client over Streamable HTTP against a real listening server.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES } from '../../src/events/catalog.js';
import type { Tenant } from '../helpers/app.js';
import { listen } from '../helpers/http-server.js';
import { connectMcp, type McpSession } from '../helpers/mcp.js';
import { startDeliveryFixture } from '../delivery/fixtures.js';

const { t, receiver, startWorker } = await startDeliveryFixture();
const baseUrl = await listen(t);

let admin: Tenant;
let other: Tenant;
let mcp: McpSession;
let otherMcp: McpSession;
let memberMcp: McpSession;

async function eventsOf(companyId: string): Promise<Array<{ name: string; body: any }>> {
  const { rows } = await t.ctx.pool.query('SELECT name, body FROM events WHERE company_id = $1 ORDER BY created_at, id', [companyId]);
  return rows.map((r) => ({ name: r.name, body: JSON.parse(r.body) }));
}

async function waitUntil<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Set up at module level so the hooks these helpers register (client close, …) are collected.
admin = await t.signup({ companyName: 'MCP Co' });
other = await t.signup({ companyName: 'Other Co' });
mcp = await connectMcp(baseUrl, admin.key);
otherMcp = await connectMcp(baseUrl, other.key, 'bearer');
const email = `member-${crypto.randomUUID()}@example.com`;
await t.call('POST', '/users', { key: admin.key, body: { email, firstName: 'Mo', lastName: 'Member', role: 'member', password: 'member-password' } });
const login = await t.call('POST', '/auth/login', { body: { email, password: 'member-password' } });
const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
const memberKey = (await (await t.call('POST', '/api-keys', { cookie, body: { name: 'member' } })).json()) as { key: string };
memberMcp = await connectMcp(baseUrl, memberKey.key);
startWorker();

describe('the endpoint', () => {
  it('refuses a request without a key, or with a wrong one', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    expect((await fetch(`${baseUrl}/api/v1/mcp`, { method: 'POST', headers, body })).status).toBe(401);
    expect((await fetch(`${baseUrl}/api/v1/mcp`, { method: 'POST', headers: { ...headers, 'x-api-key': 'wrong' }, body })).status).toBe(401);
  });

  it('lists every tool of the spec with descriptions, input and output schemas, and truthful annotations', async () => {
    const { tools } = await mcp.client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names.sort()).toEqual(
      [
        'create_webhook', 'update_webhook', 'get_webhook', 'list_webhooks', 'delete_webhook',
        'list_webhook_deliveries', 'get_webhook_delivery', 'resend_webhook_delivery',
        'recover_webhook_deliveries', 'test_webhook',
        'rotate_webhook_secret',
        'backfill_webhook', 'get_backfill',
        'get_webhook_stats',
        'explain_webhook_event', 'preview_webhook_filter',
        'create_contacts', 'update_contacts', 'create_organizations', 'update_organizations', 'create_deals', 'update_deals',
        'create_services', 'update_services', 'create_tasks', 'update_tasks',
        'delete_entities', 'get_entities', 'filter_entity', 'link_entities', 'unlink_entities',
        'list_custom_columns', 'list_users',
        'list_events',
      ].sort(),
    );
    for (const tool of tools) {
      expect(tool.description!.length, tool.name).toBeGreaterThan(60);
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
    }
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(byName.create_webhook!.inputSchema.required).toEqual(expect.arrayContaining(['url', 'events']));
    expect(JSON.stringify(byName.create_webhook!.inputSchema)).toContain('deal.updated');
    expect(byName.list_webhook_deliveries!.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(byName.delete_webhook!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.resend_webhook_delivery!.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: false });
    expect(byName.resend_webhook_delivery!.description).toMatch(/new delivery/i);
    expect(byName.update_webhook!.description).toMatch(/replaces/i);
  });

  it('answers an unknown tool with isError', async () => {
    const result = await mcp.call('no_such_tool');
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/unknown tool "no_such_tool"/);
  });
});

describe('webhook tools', () => {
  it('creates, gets, lists, updates and deletes a webhook, never showing the secret unless asked', async () => {
    const created = await mcp.call('create_webhook', { url: 'https://hooks.example.com/mcp', events: ['contact.created', 'deal.updated'], description: 'from MCP', secret: 'a-secret-of-enough-length' });
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toMatchObject({ url: 'https://hooks.example.com/mcp', events: ['contact.created', 'deal.updated'], hasSecret: true, enabled: true });
    expect(created.structuredContent.secret).toBeUndefined();
    expect(JSON.parse(created.text)).toEqual(created.structuredContent);
    const id = created.structuredContent.id;

    const got = await mcp.call('get_webhook', { id });
    expect(got.structuredContent.secret).toBeUndefined();
    const withSecret = await mcp.call('get_webhook', { id, includeSecret: true });
    expect(withSecret.structuredContent.secret).toBe('a-secret-of-enough-length');

    const listed = await mcp.call('list_webhooks', { searchTerm: 'HOOKS.example' });
    expect(listed.structuredContent.items.map((w: any) => w.id)).toContain(id);
    expect(JSON.stringify(listed.structuredContent)).not.toContain('a-secret-of-enough-length');

    const updated = await mcp.call('update_webhook', { id, events: ['task.deleted'], enabled: false });
    expect(updated.structuredContent).toMatchObject({ events: ['task.deleted'], enabled: false, description: 'from MCP' });

    expect((await mcp.call('delete_webhook', { id })).structuredContent).toEqual({ deleted: true, id });
    const gone = await mcp.call('get_webhook', { id });
    expect(gone.isError).toBe(true);
    expect(gone.text).toMatch(/webhook .* was not found\. Use list_webhooks/);
  });

  it.each([
    [{ url: 'http://hooks.example.com/x', events: ['contact.created'] }, /^url: .*https/],
    [{ url: 'https://hooks.example.com/x', events: [] }, /^events: must list at least one event/],
    [{ url: 'https://hooks.example.com/x', events: ['contact.exploded'] }, /^events\.0: "contact\.exploded" is not an event; allowed: contact\.created/],
    [{ url: 'https://hooks.example.com/x', events: ['contact.created', 'contact.created'] }, /listed more than once/],
    [{ url: 'https://10.0.0.5/x', events: ['contact.created'] }, /^url: /],
    [{ events: ['contact.created'] }, /^url: /],
    [{ url: 'https://hooks.example.com/x', events: ['contact.created'], colour: 'red' }, /unknown field "colour"/],
  ])('create_webhook %j fails with the same message as REST', async (args, message) => {
    const result = await mcp.call('create_webhook', args);
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(message);
    const rest = await t.call('POST', '/webhooks', { key: admin.key, body: args });
    expect(rest.status).toBe(400);
    expect(((await rest.json()) as any).error.message).toBe(result.text);
  });

  it('a member may list but not create webhooks or see secrets', async () => {
    const denied = await memberMcp.call('create_webhook', { url: 'https://hooks.example.com/m', events: ['contact.created'] });
    expect(denied.isError).toBe(true);
    expect(denied.text).toMatch(/only admins can create webhooks/);
    expect((await memberMcp.call('list_webhooks')).isError).toBeFalsy();
    const created = await mcp.call('create_webhook', { url: 'https://hooks.example.com/s', events: ['contact.created'], secret: 'members-must-not-see' });
    const reveal = await memberMcp.call('get_webhook', { id: created.structuredContent.id, includeSecret: true });
    expect(reveal.isError).toBe(true);
    expect(reveal.text).not.toContain('members-must-not-see');
    await mcp.call('delete_webhook', { id: created.structuredContent.id });
  });

  it('another company’s webhook is "not found"', async () => {
    const created = await mcp.call('create_webhook', { url: 'https://hooks.example.com/t', events: ['contact.created'] });
    const id = created.structuredContent.id;
    for (const [tool, args] of [['get_webhook', { id }], ['update_webhook', { id, enabled: false }], ['delete_webhook', { id }]] as const) {
      const result = await otherMcp.call(tool, args);
      expect(result.isError, tool).toBe(true);
      expect(result.text, tool).toMatch(/was not found/);
    }
    expect((await otherMcp.call('list_webhooks')).structuredContent.items).toEqual([]);
    await mcp.call('delete_webhook', { id });
  });
});

describe('record tools', () => {
  it('create, update, get, filter, link, unlink and delete publish the same events as REST', async () => {
    const created = await mcp.call('create_contacts', { contacts: [{ firstName: 'Max', lastName: 'Mustermann', emails: ['max@example.com'] }, { firstName: 'Erika' }] });
    expect(created.isError).toBeFalsy();
    const [max, erika] = created.structuredContent.contacts;
    expect(max).toMatchObject({ firstName: 'Max', lastName: 'Mustermann', emails: ['max@example.com'], organizationIds: [] });
    const org = (await mcp.call('create_organizations', { organizations: [{ name: 'Muster GmbH' }] })).structuredContent.organizations[0];

    const before = (await eventsOf(admin.companyId)).length;
    const linked = await mcp.call('link_entities', { entity: 'contact', sourceId: max.id, relation: 'organizationIds', ids: [org.id] });
    expect(linked.structuredContent.record.organizationIds).toEqual([org.id]);
    const linkEvents = (await eventsOf(admin.companyId)).slice(before);
    expect(linkEvents.map((e) => e.name).sort()).toEqual(['contact.updated', 'organization.updated']);
    const contactEvent = linkEvents.find((e) => e.name === 'contact.updated')!;
    expect(contactEvent.body.data.payload.changes).toEqual({ organizationIds: { previous: [], current: [org.id] } });
    expect(contactEvent.body.data.userId).toBe(admin.userId);

    // The same update through MCP and through REST publishes the same event shape.
    const viaMcp = await mcp.call('update_contacts', { contacts: [{ id: max.id, lastName: 'Muster' }] });
    expect(viaMcp.structuredContent.contacts[0].lastName).toBe('Muster');
    const restResponse = await t.call('PATCH', `/contacts/${erika.id}`, { key: admin.key, body: { lastName: 'Muster' } });
    expect(restResponse.status).toBe(200);
    const last2 = (await eventsOf(admin.companyId)).slice(-2);
    expect(last2.map((e) => e.name)).toEqual(['contact.updated', 'contact.updated']);
    expect(last2[0]!.body.data.payload.changes).toEqual({ lastName: { previous: 'Mustermann', current: 'Muster' } });
    expect(last2[1]!.body.data.payload.changes).toEqual({ lastName: { previous: '', current: 'Muster' } });
    expect(Object.keys(last2[0]!.body.data.payload)).toEqual(Object.keys(last2[1]!.body.data.payload));

    // A no-op update publishes nothing.
    const count = (await eventsOf(admin.companyId)).length;
    await mcp.call('update_contacts', { contacts: [{ id: max.id, lastName: 'Muster' }] });
    expect((await eventsOf(admin.companyId)).length).toBe(count);

    const got = await mcp.call('get_entities', { items: [{ entity: 'organization', id: org.id }, { entity: 'contact', id: max.id }] });
    expect(got.structuredContent.items.map((i: any) => [i.entity, i.record.id])).toEqual([['organization', org.id], ['contact', max.id]]);
    expect(got.structuredContent.items[0].record.contactIds).toEqual([max.id]);

    const found = await mcp.call('filter_entity', { entity: 'contact', searchTerm: 'MAX@example', pageSize: 10 });
    expect(found.structuredContent).toMatchObject({ total: 1, page: 1, pageSize: 10 });
    expect(found.structuredContent.items[0].id).toBe(max.id);

    const unlinked = await mcp.call('unlink_entities', { entity: 'organization', sourceId: org.id, relation: 'contacts', ids: [max.id] });
    expect(unlinked.structuredContent.record.contactIds).toEqual([]);

    const deleted = await mcp.call('delete_entities', { entity: 'contact', ids: [erika.id] });
    expect(deleted.structuredContent).toEqual({ entity: 'contact', deleted: [erika.id] });
    const lastEvent = (await eventsOf(admin.companyId)).at(-1)!;
    expect(lastEvent.name).toBe('contact.deleted');
    expect(lastEvent.body.data.payload.contactId).toBe(erika.id);
  });

  it('creates every record type', async () => {
    const service = (await mcp.call('create_services', { services: [{ name: 'Consulting', amount: 150 }] })).structuredContent.services[0];
    const deal = await mcp.call('create_deals', { deals: [{ name: 'Big deal', services: [{ serviceId: service.id, quantity: 3 }] }] });
    expect(deal.structuredContent.deals[0]).toMatchObject({ totalValue: 450, totalQuantity: 3 });
    const task = await mcp.call('create_tasks', { tasks: [{ name: 'Call back', status: 'open', dueDate: '2026-12-01', dealIds: [deal.structuredContent.deals[0].id] }] });
    expect(task.structuredContent.tasks[0]).toMatchObject({ name: 'Call back', dueDate: '2026-12-01' });
    const updated = await mcp.call('update_services', { services: [{ id: service.id, amount: 200 }] });
    expect(updated.structuredContent.services[0].amount).toBe(200);
    expect((await mcp.call('update_tasks', { tasks: [{ id: task.structuredContent.tasks[0].id, status: 'done' }] })).structuredContent.tasks[0].status).toBe('done');
    expect((await mcp.call('update_deals', { deals: [{ id: deal.structuredContent.deals[0].id, name: 'Bigger deal' }] })).structuredContent.deals[0]).toMatchObject({ name: 'Bigger deal', totalValue: 600 });
    expect((await mcp.call('update_organizations', { organizations: [{ id: (await mcp.call('create_organizations', { organizations: [{ name: 'O' }] })).structuredContent.organizations[0].id, name: 'P' }] })).structuredContent.organizations[0].name).toBe('P');
  });

  it('validation errors name the item and field; nothing is half-written', async () => {
    const count = (await eventsOf(admin.companyId)).length;
    const result = await mcp.call('create_services', { services: [{ name: 'Fine', amount: 10 }, { name: 'Broken', amount: -1 }] });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^services\.1\.amount: /);
    expect((await eventsOf(admin.companyId)).length).toBe(count);
    expect((await mcp.call('filter_entity', { entity: 'service', searchTerm: 'Fine' })).structuredContent.total).toBe(0);
    const badEntity = await mcp.call('filter_entity', { entity: 'invoice' });
    expect(badEntity.isError).toBe(true);
    expect(badEntity.text).toMatch(/^entity: must be one of contact, organization, deal, service, task/);
    const badRelation = await mcp.call('link_entities', { entity: 'contact', sourceId: crypto.randomUUID(), relation: 'friends', ids: [crypto.randomUUID()] });
    expect(badRelation.isError).toBe(true);
    expect(badRelation.text).toMatch(/"friends" is not a relation of contact records; allowed: "organizationIds"/);
  });

  it('another company’s records are "not found"', async () => {
    const mine = (await mcp.call('create_contacts', { contacts: [{ firstName: 'Private' }] })).structuredContent.contacts[0];
    const get = await otherMcp.call('get_entities', { items: [{ entity: 'contact', id: mine.id }] });
    expect(get.isError).toBe(true);
    expect(get.text).toMatch(/not found/);
    const update = await otherMcp.call('update_contacts', { contacts: [{ id: mine.id, firstName: 'Stolen' }] });
    expect(update.isError).toBe(true);
    expect((await otherMcp.call('delete_entities', { entity: 'contact', ids: [mine.id] })).isError).toBe(true);
    expect((await otherMcp.call('filter_entity', { entity: 'contact' })).structuredContent.total).toBe(0);
  });
});

describe('the full loop', () => {
  it('create_webhook → create_contacts → signed POST → found by event and url → failure → resend', async () => {
    const secret = 'loop-secret-0123456789';
    const hook = await mcp.call('create_webhook', { url: `${receiver.url}/crm-hook`, events: ['contact.created', 'contact.updated'], secret });
    expect(hook.isError).toBeFalsy();
    receiver.setResponder(() => ({ status: 200, body: 'ok' }));
    const already = receiver.requests.length;
    const contact = (await mcp.call('create_contacts', { contacts: [{ firstName: 'Loop', lastName: 'Test' }] })).structuredContent.contacts[0];
    const [request] = (await receiver.waitFor(already + 1)).slice(already);
    expect(request!.headers['x-webhook-event']).toBe('contact.created');
    const expected = crypto.createHmac('sha256', secret).update(request!.body).digest('hex');
    expect(crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(String(request!.headers['x-webhook-signature'])))).toBe(true);
    expect(JSON.parse(request!.body).data.entityId).toBe(contact.id);

    const byEvent = await waitUntil(async () => {
      const page = await mcp.call('list_webhook_deliveries', { searchTerm: 'contact.created', webhookId: hook.structuredContent.id });
      return page.structuredContent.items.find((d: any) => d.entityId === contact.id && d.status === 'success');
    });
    expect(hook.structuredContent.lastDelivery).toBeNull();
    const listed = (await mcp.call('list_webhooks', { searchTerm: 'crm-hook' })).structuredContent.items[0];
    expect(listed.lastDelivery).toEqual({ id: byEvent.id, status: 'success', statusCode: 200, createdAt: byEvent.createdAt });
    const byUrl = await mcp.call('list_webhook_deliveries', { searchTerm: 'crm-HOOK' });
    expect(byUrl.structuredContent.items.map((d: any) => d.id)).toContain(byEvent.id);
    expect(EVENT_NAMES).toContain(byEvent.event);

    receiver.setResponder(() => ({ status: 503, body: 'receiver is down for maintenance' }));
    await mcp.call('update_contacts', { contacts: [{ id: contact.id, lastName: 'Failing' }] });
    const failed = await waitUntil(async () => {
      const page = await mcp.call('list_webhook_deliveries', { status: 'failed', event: 'contact.updated' });
      return page.structuredContent.items.find((d: any) => d.entityId === contact.id);
    });
    expect(failed).toMatchObject({ statusCode: 503, error: { kind: 'http_status' } });
    const afterFailure = await mcp.call('get_webhook', { id: hook.structuredContent.id });
    expect(afterFailure.structuredContent.lastDelivery).toMatchObject({ id: failed.id, status: 'failed', statusCode: 503 });
    const detail = await mcp.call('get_webhook_delivery', { id: failed.id });
    expect(detail.structuredContent.responseBody).toBe('receiver is down for maintenance');
    expect(detail.structuredContent.requestHeaders['x-webhook-signature'] ?? detail.structuredContent.requestHeaders['X-Webhook-Signature']).toBeDefined();

    receiver.setResponder(() => ({ status: 200, body: 'back' }));
    const resent = await mcp.call('resend_webhook_delivery', { id: failed.id });
    expect(resent.isError).toBeFalsy();
    expect(resent.structuredContent).toMatchObject({ trigger: 'resend', resendOf: failed.id, status: 'pending' });
    const done = await waitUntil(async () => {
      const d = await mcp.call('get_webhook_delivery', { id: resent.structuredContent.id });
      return d.structuredContent.status === 'success' && d.structuredContent;
    });
    expect(done.requestBody).toBe(detail.structuredContent.requestBody);
    const original = await mcp.call('get_webhook_delivery', { id: failed.id });
    expect(original.structuredContent).toMatchObject({ status: 'failed', statusCode: 503, completedAt: failed.completedAt });

    const missing = await mcp.call('resend_webhook_delivery', { id: crypto.randomUUID() });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/not found\. Use list_webhook_deliveries to find delivery ids/);
    const memberResend = await memberMcp.call('resend_webhook_delivery', { id: failed.id });
    expect(memberResend.isError).toBe(true);
  });
});
