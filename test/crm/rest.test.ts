// The records REST surface: CRUD, bulk, search, pagination, validation errors, tenancy, custom columns, import.
import { describe, expect, it } from 'vitest';
import { createTestApp, type Tenant } from '../helpers/app.js';

const t = await createTestApp();
const json = async (response: Response) => (await response.json()) as any;

async function post(tenant: Tenant, path: string, body: unknown) {
  return t.call('POST', path, { key: tenant.key, body });
}

describe('records over REST', () => {
  it('CRUD for every type, with links kept symmetric', async () => {
    const tenant = await t.signup();
    const service = await json(await post(tenant, '/services', { name: 'Day rate', amount: 800 }));
    const org = await json(await post(tenant, '/organizations', { name: 'Acme' }));
    const deal = await post(tenant, '/deals', { name: 'Relaunch', organizationIds: [org.id], services: [{ serviceId: service.id, quantity: 2.5 }] });
    expect(deal.status).toBe(201);
    const dealBody = await json(deal);
    expect(dealBody).toMatchObject({ totalValue: 2000, totalQuantity: 2.5, services: [{ serviceId: service.id, quantity: 2.5 }], organizationIds: [org.id] });
    const task = await json(await post(tenant, '/tasks', { name: 'Call', dealIds: [dealBody.id], dueDate: '2026-05-01', userIds: [tenant.userId] }));
    expect(task).toMatchObject({ status: 'open', dueDate: '2026-05-01', userIds: [tenant.userId] });
    const contact = await json(await post(tenant, '/contacts', { firstName: 'Ada', lastName: 'Lovelace', emails: ['ada@example.com'], taskIds: [task.id] }));

    const gotOrg = await json(await t.call('GET', `/organizations/${org.id}`, { key: tenant.key }));
    expect(gotOrg.dealIds).toEqual([dealBody.id]);
    const gotService = await json(await t.call('GET', `/services/${service.id}`, { key: tenant.key }));
    expect(gotService.dealIds).toEqual([dealBody.id]);
    const gotTask = await json(await t.call('GET', `/tasks/${task.id}`, { key: tenant.key }));
    expect(gotTask.contactIds).toEqual([contact.id]);

    const patched = await t.call('PATCH', `/contacts/${contact.id}`, { key: tenant.key, body: { lastName: 'King', organizationIds: [org.id] } });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({ lastName: 'King', organizationIds: [org.id], taskIds: [task.id] });

    expect((await t.call('DELETE', `/contacts/${contact.id}`, { key: tenant.key })).status).toBe(204);
    expect((await t.call('GET', `/contacts/${contact.id}`, { key: tenant.key })).status).toBe(404);
    expect((await json(await t.call('GET', `/organizations/${org.id}`, { key: tenant.key }))).contactIds).toEqual([]);
  });

  it('members can write records', async () => {
    const tenant = await t.signup();
    await post(tenant, '/users', { email: `m-${tenant.userId}@example.com`, firstName: 'M', lastName: 'Ember', role: 'member', password: 'member-password-1' });
    const login = await t.call('POST', '/auth/login', { body: { email: `m-${tenant.userId}@example.com`, password: 'member-password-1' } });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await t.call('POST', '/organizations', { cookie, body: { name: 'By a member' } })).status).toBe(201);
  });

  it('bulk create: 1–100 items, all or nothing, errors name items.N.field', async () => {
    const tenant = await t.signup();
    const ok = await post(tenant, '/organizations/many', { items: [{ name: 'A' }, { name: 'B' }] });
    expect(ok.status).toBe(201);
    expect((await json(ok)).items.map((o: any) => o.name)).toEqual(['A', 'B']);
    const bad = await post(tenant, '/organizations/many', { items: [{ name: 'C' }, { name: '' }] });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.field).toBe('items.1.name');
    const tooMany = await post(tenant, '/organizations/many', { items: Array.from({ length: 101 }, (_, i) => ({ name: `N${i}` })) });
    expect(tooMany.status).toBe(400);
    expect((await json(tooMany)).error.field).toBe('items');
    const list = await json(await t.call('GET', '/organizations', { key: tenant.key }));
    expect(list.total).toBe(2);
  });

  it('search is a case-insensitive substring of names and emails; pages are company-scoped', async () => {
    const tenant = await t.signup();
    const other = await t.signup();
    await post(other, '/contacts', { firstName: 'Zed' });
    await post(tenant, '/contacts/many', {
      items: [
        { firstName: 'Zoe', lastName: 'Adams' },
        { firstName: 'Bob', emails: ['bob@zebra.example'] },
        { firstName: 'Carl', lastName: '100%_sure' },
        ...Array.from({ length: 27 }, (_, i) => ({ firstName: `Filler${i}` })),
      ],
    });
    const search = await json(await t.call('GET', '/contacts?searchTerm=ZE', { key: tenant.key }));
    expect(search.items.map((c: any) => c.firstName)).toEqual(['Bob']);
    const percent = await json(await t.call('GET', `/contacts?searchTerm=${encodeURIComponent('0%_')}`, { key: tenant.key }));
    expect(percent.items.map((c: any) => c.firstName)).toEqual(['Carl']);
    const page1 = await json(await t.call('GET', '/contacts?page=1&pageSize=25', { key: tenant.key }));
    const page2 = await json(await t.call('GET', '/contacts?page=2&pageSize=25', { key: tenant.key }));
    expect(page1).toMatchObject({ total: 30, page: 1, pageSize: 25 });
    expect(page1.items).toHaveLength(25);
    expect(page2.items).toHaveLength(5);
    const ids = new Set([...page1.items, ...page2.items].map((c: any) => c.id));
    expect(ids.size).toBe(30);
    const badSize = await t.call('GET', '/contacts?pageSize=1000', { key: tenant.key });
    expect(badSize.status).toBe(400);
    expect((await json(badSize)).error.field).toBe('pageSize');
  });

  it('validation errors are 4xx naming the field, never 500', async () => {
    const tenant = await t.signup();
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/services', { name: 'Free', amount: 0 }, 'amount'],
      ['POST', '/services', { name: 'NaN', amount: '12' }, 'amount'],
      ['POST', '/tasks', { name: 'T', dueDate: '2026-02-30' }, 'dueDate'],
      ['POST', '/tasks', { name: 'T', status: 'doing' }, 'status'],
      ['POST', '/contacts', { firstName: 'A', emails: ['nope'] }, 'emails.0'],
      ['POST', '/contacts', {}, 'firstName'],
      ['POST', '/contacts', { firstName: 'A', nickname: 'x' }, ''],
      ['POST', '/organizations', { name: 'O', notes: { type: 'paragraph' } }, 'notes'],
      ['POST', '/deals', { name: 'D', services: [{ serviceId: 'x' }] }, 'services.0.serviceId'],
      ['POST', '/deals', { name: 'D', customFieldValues: [{ columnId: '11111111-1111-4111-8111-111111111111', value: 'x' }] }, 'customFieldValues.0.columnId'],
      ['POST', '/tasks', { name: 'T', userIds: ['11111111-1111-4111-8111-111111111111'] }, 'userIds.0'],
    ];
    for (const [method, path, body, field] of cases) {
      const response = await t.call(method, path, { key: tenant.key, body });
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      const error = (await json(response)).error;
      expect(error.code).toBe('validation_error');
      if (field) expect(error.field, JSON.stringify(body)).toBe(field);
      else expect(error.message).toContain('nickname');
    }
    const notJson = await t.call('POST', '/contacts', { key: tenant.key, body: '{"firstName":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
  });

  it('another company\'s ids are 404; unknown link ids are a clear 400', async () => {
    const tenant = await t.signup();
    const other = await t.signup();
    const foreign = await json(await post(other, '/organizations', { name: 'Theirs' }));
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const response = await t.call(method, `/organizations/${foreign.id}`, { key: tenant.key, body: method === 'PATCH' ? { name: 'Mine' } : undefined });
      expect(response.status, method).toBe(404);
    }
    expect((await t.call('GET', `/contacts/${foreign.id}`, { key: other.key })).status).toBe(404);
    const linked = await post(tenant, '/contacts', { firstName: 'A', organizationIds: [foreign.id] });
    expect(linked.status).toBe(400);
    const error = (await json(linked)).error;
    expect(error.field).toBe('organizationIds.0');
    expect(error.message).toContain(foreign.id);
    const wrongType = await post(tenant, '/contacts', { firstName: 'A', dealIds: [(await json(await post(tenant, '/organizations', { name: 'Mine' }))).id] });
    expect((await json(wrongType)).error.field).toBe('dealIds.0');
    expect((await json(await t.call('GET', `/organizations/${foreign.id}`, { key: other.key }))).name).toBe('Theirs');
  });
});

describe('custom columns and import over REST', () => {
  it('defines columns, validates values by type, imports CSV with a dry run', async () => {
    const tenant = await t.signup();
    const column = await post(tenant, '/custom-columns', { entityType: 'contact', name: 'Tier', type: 'singleSelect', options: [{ label: 'Gold' }, { value: 'silver', label: 'Silver' }] });
    expect(column.status).toBe(201);
    const tier = await json(column);
    expect(tier.options[1]).toEqual({ value: 'silver', label: 'Silver' });
    const duplicate = await post(tenant, '/custom-columns', { entityType: 'contact', name: 'tier', type: 'text' });
    expect(duplicate.status).toBe(409);
    const badType = await post(tenant, '/custom-columns', { entityType: 'contact', name: 'X', type: 'color' });
    expect((await json(badType)).error.field).toBe('type');
    const score = await json(await post(tenant, '/custom-columns', { entityType: 'contact', name: 'Score', type: 'number' }));
    const badValue = await post(tenant, '/contacts', { firstName: 'A', customFieldValues: [{ columnId: score.id, value: 'lots' }] });
    expect(badValue.status).toBe(400);
    expect((await json(badValue)).error.field).toBe('customFieldValues.0.value');

    const csv = 'Name,Email,Tier,Score\nAda,ada@example.com,gold,1.50\nBob,bob@example.com,Platinum,2\n';
    const mapping = { Name: 'firstName', Email: 'emails', Tier: `custom:${tier.id}`, Score: `custom:${score.id}` };
    const dry = await json(await post(tenant, '/import/contacts', { csv, mapping, dryRun: true }));
    expect(dry).toMatchObject({ dryRun: true, total: 2, valid: 1, created: 0, errors: [{ row: 3, field: 'customFieldValues.0.value' }] });
    expect((await json(await t.call('GET', '/contacts', { key: tenant.key }))).total).toBe(0);
    const real = await json(await post(tenant, '/import/contacts', { csv, mapping }));
    expect(real).toMatchObject({ dryRun: false, created: 1 });
    const [ada] = (await json(await t.call('GET', '/contacts', { key: tenant.key }))).items;
    expect(ada.customFieldValues).toEqual(expect.arrayContaining([{ columnId: tier.id, value: tier.options[0].value }, { columnId: score.id, value: '1.5' }]));
    const badCsv = await post(tenant, '/import/organizations', { csv: 'Name\n"unclosed\n' });
    expect(badCsv.status).toBe(400);
    expect((await json(badCsv)).error.field).toBe('csv');

    expect((await t.call('DELETE', `/custom-columns/${tier.id}`, { key: tenant.key })).status).toBe(204);
    const after = (await json(await t.call('GET', '/contacts', { key: tenant.key }))).items[0];
    expect(after.customFieldValues).toEqual([{ columnId: score.id, value: '1.5' }]);
  });
});
