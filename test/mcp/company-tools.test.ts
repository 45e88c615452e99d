// list_custom_columns and list_users: the ids an agent needs to fill customFieldValues and userIds, through the
// SDK's own client, scoped to the caller's company, and usable in a record write right away.
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.js';
import { listen } from '../helpers/http-server.js';
import { connectMcp } from '../helpers/mcp.js';

const t = await createTestApp();
const baseUrl = await listen(t);
const admin = await t.signup({ companyName: 'Columns Co' });
const other = await t.signup({ companyName: 'Elsewhere' });
const mcp = await connectMcp(baseUrl, admin.key);
const otherMcp = await connectMcp(baseUrl, other.key);

async function createColumn(body: Record<string, unknown>): Promise<{ id: string }> {
  const response = await t.call('POST', '/custom-columns', { key: admin.key, body });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string };
}

describe('list_custom_columns', () => {
  it('lists the columns REST lists, filtered by entity, and their ids fill customFieldValues', async () => {
    const stage = await createColumn({ entityType: 'deal', name: 'Stage', type: 'singleSelect', options: [{ value: 'won', label: 'Won' }] });
    const source = await createColumn({ entityType: 'contact', name: 'Source', type: 'text' });

    const all = await mcp.call('list_custom_columns');
    expect(all.isError).toBeFalsy();
    const rest = (await (await t.call('GET', '/custom-columns', { key: admin.key })).json()) as { items: unknown[] };
    expect(all.structuredContent.items).toEqual(rest.items);

    const deals = await mcp.call('list_custom_columns', { entity: 'deal' });
    expect(deals.structuredContent.items.map((c: { id: string }) => c.id)).toEqual([stage.id]);
    expect(deals.structuredContent.items[0]).toMatchObject({ name: 'Stage', type: 'singleSelect', options: [{ value: 'won', label: 'Won' }] });

    const created = await mcp.call('create_contacts', { contacts: [{ firstName: 'Lia', customFieldValues: [{ columnId: source.id, value: 'fair' }] }] });
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent.contacts[0].customFieldValues).toEqual([{ columnId: source.id, value: 'fair' }]);

    expect((await otherMcp.call('list_custom_columns')).structuredContent.items).toEqual([]);
  });

  it('refuses an unknown entity, naming it and what is allowed', async () => {
    const result = await mcp.call('list_custom_columns', { entity: 'contacts' });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/entity.*must be one of contact, organization, deal, service, task/);
  });
});

describe('list_users', () => {
  it('lists the company’s users, whose ids assign records', async () => {
    const response = await t.call('POST', '/users', {
      key: admin.key,
      body: { email: `member-${Date.now()}@example.com`, firstName: 'Mo', lastName: 'Member', role: 'member', password: 'member-password' },
    });
    expect(response.status).toBe(201);
    const member = (await response.json()) as { id: string };

    const listed = await mcp.call('list_users');
    expect(listed.isError).toBeFalsy();
    expect(listed.structuredContent.items.map((u: { id: string; role: string }) => [u.id, u.role])).toEqual([
      [admin.userId, 'admin'],
      [member.id, 'member'],
    ]);
    expect(JSON.stringify(listed.structuredContent)).not.toMatch(/password/i);

    const created = await mcp.call('create_tasks', { tasks: [{ name: 'Call back', userIds: [member.id] }] });
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent.tasks[0].userIds).toEqual([member.id]);

    const elsewhere = await otherMcp.call('list_users');
    expect(elsewhere.structuredContent.items.map((u: { id: string }) => u.id)).toEqual([other.userId]);
  });
});
