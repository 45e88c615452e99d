// Per command: the exact events a write publishes, read back from the outbox's envelope text.
import { count, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  createCustomColumn,
  createRecord,
  createRecords,
  deleteCustomColumn,
  deleteRecords,
  getRecordOrThrow,
  linkRecords,
  RECORD_TYPES,
  type RecordType,
  unlinkRecords,
  updateRecord,
  updateRecords,
} from '../../src/crm/index.js';
import { importRecords } from '../../src/crm/import/csv-import.js';
import { events, records } from '../../src/db/schema/index.js';
import { AppError } from '../../src/errors.js';
import { createTestApp } from '../helpers/app.js';
import { eventReader, principalOf, summary } from './helpers.js';

const t = await createTestApp();
const db = t.ctx.db;

async function tenant() {
  const signed = await t.signup();
  return { principal: principalOf(signed), newEvents: eventReader(db, signed.companyId), signed };
}

describe('create', () => {
  it('publishes X.created with the DTO, and X.updated for each linked record', async () => {
    const { principal, newEvents } = await tenant();
    const org = await createRecord(db, principal, 'organization', { name: 'Acme' });
    const [created] = await newEvents();
    expect(created).toMatchObject({ event: 'organization.created', data: { userId: principal.userId, companyId: principal.companyId, entityId: org.id } });
    expect(created!.data.payload).toEqual({ organization: org });
    expect(created!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const contact = await createRecord(db, principal, 'contact', { firstName: 'Max', lastName: 'Mustermann', organizationIds: [org.id] });
    const list = await newEvents();
    expect(summary(list)).toEqual([`contact.created ${contact.id}`, `organization.updated ${org.id}`]);
    expect(Object.keys(list[1]!.data.payload)).toEqual(['organization', 'changes']);
    expect(list[1]!.data.payload.changes).toEqual({ contactIds: { previous: [], current: [contact.id] } });
    expect(list[1]!.data.payload.organization.contactIds).toEqual([contact.id]);
    expect(list[1]!.data.payload.organization.updatedAt).toBe(list[1]!.timestamp);
  });

  it('bulk: one event per record, all in one transaction', async () => {
    const { principal, newEvents } = await tenant();
    const created = await createRecords(db, principal, 'contact', Array.from({ length: 5 }, (_, i) => ({ firstName: `P${i}` })));
    expect(summary(await newEvents())).toEqual(created.map((c) => `contact.created ${c.id}`));
  });

  it('bulk: the response and each created event carry, byte for byte, the record a later read returns (every type, every own field)', async () => {
    const { principal, newEvents } = await tenant();
    const notes = { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'zebra "quoted" \\ ünïcode' }] }] };
    const inputs: Record<RecordType, unknown[]> = {
      contact: [{ firstName: 'Ada', lastName: 'Lovelace', emails: ['ada@example.com', 'a.l@example.org'], notes }, { firstName: 'Plain' }, { firstName: 'Empty lists', organizationIds: [], dealIds: [], userIds: [], customFieldValues: [] }],
      organization: [{ name: 'Acme "Corp"', notes: 'plain text notes' }, { name: 'Bare' }],
      deal: [{ name: 'Big deal', notes }, { name: 'Small deal' }],
      service: [{ name: 'Consulting', amount: 1234.5 }, { name: 'Tiny', amount: 0.1 + 0.2 }],
      task: [{ name: 'Call', status: 'done', dueDate: '2031-02-28', notes }, { name: 'Open task' }],
    };
    for (const type of RECORD_TYPES) {
      const created = await createRecords(db, principal, type, inputs[type]);
      const published = await newEvents();
      for (const [index, record] of created.entries()) {
        const read = JSON.stringify(await getRecordOrThrow(db, principal, type, record.id));
        expect(JSON.stringify(record)).toBe(read);
        expect(published[index]!.event).toBe(`${type}.created`);
        expect(JSON.stringify(published[index]!.data.payload[type])).toBe(read);
      }
    }
  });

  it('bulk with item 57 invalid writes and publishes nothing, naming items.57.field', async () => {
    const { principal, newEvents } = await tenant();
    const inputs: unknown[] = Array.from({ length: 100 }, (_, i) => ({ firstName: `P${i}`, emails: [`p${i}@example.com`] }));
    inputs[57] = { firstName: 'Bad', emails: ['not-an-email'] };
    const error = await createRecords(db, principal, 'contact', inputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).field).toBe('items.57.emails.0');
    expect(await newEvents()).toEqual([]);
    const [row] = await db.select({ n: count() }).from(records).where(eq(records.companyId, principal.companyId));
    expect(row!.n).toBe(0);
  });

  it('bulk with an unknown link id in item 57 writes nothing and names the field and id', async () => {
    const { principal, newEvents } = await tenant();
    const missing = '11111111-1111-4111-8111-111111111111';
    const inputs: unknown[] = Array.from({ length: 60 }, (_, i) => ({ firstName: `P${i}` }));
    inputs[57] = { firstName: 'Linked', organizationIds: [missing] };
    const error = (await createRecords(db, principal, 'contact', inputs, { path: 'contacts' }).catch((e: unknown) => e)) as AppError;
    expect(error.field).toBe('contacts.57.organizationIds.0');
    expect(error.message).toContain(missing);
    expect(await newEvents()).toEqual([]);
  });

  it('an error thrown after the record write, inside the transaction, leaves neither record nor event', async () => {
    const { principal, newEvents } = await tenant();
    await expect(
      db.transaction(async (tx) => {
        await createRecord(tx, principal, 'organization', { name: 'Doomed' });
        const [row] = await tx.select({ n: count() }).from(events).where(eq(events.companyId, principal.companyId));
        expect(row!.n).toBe(1);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect(await newEvents()).toEqual([]);
    const [row] = await db.select({ n: count() }).from(records).where(eq(records.companyId, principal.companyId));
    expect(row!.n).toBe(0);
  });
});

describe('update', () => {
  it('lists exactly the moved fields; a no-op publishes nothing and keeps updatedAt', async () => {
    const { principal, newEvents } = await tenant();
    const contact = await createRecord(db, principal, 'contact', { firstName: 'Max', emails: ['max@example.com'], notes: 'hello' });
    await newEvents();
    const same = await updateRecord(db, principal, 'contact', contact.id, { firstName: 'Max', emails: ['MAX@example.com'], notes: 'hello' });
    expect(same.updatedAt).toBe(contact.updatedAt);
    expect(await newEvents()).toEqual([]);

    const moved = await updateRecord(db, principal, 'contact', contact.id, { lastName: 'Mustermann', notes: 'hello\nworld' });
    const [event, ...rest] = await newEvents();
    expect(rest).toEqual([]);
    expect(event!.event).toBe('contact.updated');
    expect(Object.keys(event!.data.payload.changes)).toEqual(['lastName', 'notes']);
    expect(event!.data.payload.changes.lastName).toEqual({ previous: '', current: 'Mustermann' });
    expect(event!.data.payload.contact).toEqual(moved);
    expect(moved.updatedAt > contact.updatedAt).toBe(true);
  });

  it('replacing links fans out to records that gained and lost the link', async () => {
    const { principal, newEvents } = await tenant();
    const [o1, o2] = await createRecords(db, principal, 'organization', [{ name: 'One' }, { name: 'Two' }]);
    const contact = await createRecord(db, principal, 'contact', { firstName: 'Max', organizationIds: [o1!.id] });
    await newEvents();
    await updateRecord(db, principal, 'contact', contact.id, { organizationIds: [o2!.id] });
    const list = await newEvents();
    expect(summary(list)).toEqual([`contact.updated ${contact.id}`, `organization.updated ${o1!.id}`, `organization.updated ${o2!.id}`]);
    expect(list[1]!.data.payload.changes).toEqual({ contactIds: { previous: [contact.id], current: [] } });
    expect(list[2]!.data.payload.changes).toEqual({ contactIds: { previous: [], current: [contact.id] } });
    // Same set, other order: nothing moves.
    await updateRecord(db, principal, 'contact', contact.id, { organizationIds: [o2!.id, o2!.id] });
    expect(await newEvents()).toEqual([]);
  });

  it('a service amount change publishes deal.updated for each deal whose totals moved', async () => {
    const { principal, newEvents } = await tenant();
    const service = await createRecord(db, principal, 'service', { name: 'Day', amount: 100 });
    const deal = await createRecord(db, principal, 'deal', { name: 'Big', services: [{ serviceId: service.id, quantity: 3 }] });
    expect(deal).toMatchObject({ totalValue: 300, totalQuantity: 3 });
    await newEvents();
    await updateRecord(db, principal, 'service', service.id, { amount: 120.5 });
    const list = await newEvents();
    expect(summary(list)).toEqual([`service.updated ${service.id}`, `deal.updated ${deal.id}`]);
    expect(list[1]!.data.payload.changes).toEqual({ totalValue: { previous: 300, current: 361.5 } });
    // Quantity change on the deal side: services and both totals move.
    await updateRecord(db, principal, 'deal', deal.id, { services: [{ serviceId: service.id, quantity: 1 }] });
    const [dealEvent, ...others] = await newEvents();
    expect(others).toEqual([]);
    expect(Object.keys(dealEvent!.data.payload.changes).sort()).toEqual(['services', 'totalQuantity', 'totalValue']);
  });

  it('bulk update: an unknown id is a 404 naming items.N.id, and nothing is written', async () => {
    const { principal, newEvents } = await tenant();
    const [a] = await createRecords(db, principal, 'task', [{ name: 'A' }]);
    await newEvents();
    const missing = '11111111-1111-4111-8111-111111111111';
    const error = (await updateRecords(db, principal, 'task', [{ id: a!.id, name: 'A2' }, { id: missing, name: 'B' }]).catch((e) => e)) as AppError;
    expect(error).toMatchObject({ code: 'not_found', field: 'items.1.id' });
    expect(error.message).toContain(missing);
    expect(await newEvents()).toEqual([]);
  });

  it('bulk update: one event per changed record, none for unchanged items', async () => {
    const { principal, newEvents } = await tenant();
    const [a, b] = await createRecords(db, principal, 'task', [{ name: 'A' }, { name: 'B' }]);
    await newEvents();
    await updateRecords(db, principal, 'task', [{ id: a!.id, status: 'done' }, { id: b!.id, name: 'B' }]);
    const list = await newEvents();
    expect(summary(list)).toEqual([`task.updated ${a!.id}`]);
    expect(list[0]!.data.payload.changes).toEqual({ status: { previous: 'open', current: 'done' } });
  });

  it('a custom value set, cleared, and rejected when it does not fit the column', async () => {
    const { principal, newEvents } = await tenant();
    const stage = await createCustomColumn(db, principal, { entityType: 'deal', name: 'Stage', type: 'singleSelect', options: [{ value: 'lead', label: 'Lead' }, { value: 'won', label: 'Won' }] });
    const deal = await createRecord(db, principal, 'deal', { name: 'D', customFieldValues: [{ columnId: stage.id, value: 'Lead' }] });
    expect(deal.customFieldValues).toEqual([{ columnId: stage.id, value: 'lead' }]);
    await newEvents();
    const error = (await updateRecord(db, principal, 'deal', deal.id, { customFieldValues: [{ columnId: stage.id, value: 'lost' }] }).catch((e) => e)) as AppError;
    expect(error.field).toBe('customFieldValues.0.value');
    expect(error.message).toContain('"lead", "won"');
    await updateRecord(db, principal, 'deal', deal.id, { customFieldValues: [{ columnId: stage.id, value: null }] });
    const [cleared] = await newEvents();
    expect(cleared!.data.payload.changes).toEqual({ customFieldValues: { previous: [{ columnId: stage.id, value: 'lead' }], current: [] } });
  });

  it('deleting a custom column publishes *.updated for records that held a value', async () => {
    const { principal, newEvents } = await tenant();
    const column = await createCustomColumn(db, principal, { entityType: 'organization', name: 'Website', type: 'link' });
    const [withValue] = await createRecords(db, principal, 'organization', [{ name: 'A', customFieldValues: [{ columnId: column.id, value: 'https://a.example' }] }, { name: 'B' }]);
    await newEvents();
    await deleteCustomColumn(db, principal, column.id);
    expect(summary(await newEvents())).toEqual([`organization.updated ${withValue!.id}`]);
  });
});

describe('delete, link, unlink', () => {
  it('delete publishes X.deleted with the last DTO and updates every record that lost the link', async () => {
    const { principal, newEvents } = await tenant();
    const org = await createRecord(db, principal, 'organization', { name: 'Acme' });
    const task = await createRecord(db, principal, 'task', { name: 'Call', dueDate: '2026-05-01' });
    const contact = await createRecord(db, principal, 'contact', { firstName: 'Max', organizationIds: [org.id], taskIds: [task.id] });
    await newEvents();
    const [deleted] = await deleteRecords(db, principal, 'contact', [contact.id]);
    const list = await newEvents();
    expect(summary(list)).toEqual([`contact.deleted ${contact.id}`, `organization.updated ${org.id}`, `task.updated ${task.id}`]);
    expect(list[0]!.data.payload).toEqual({ contactId: contact.id, contact: deleted });
    expect(list[2]!.data.payload.changes).toEqual({ contactIds: { previous: [contact.id], current: [] } });
  });

  it('link and unlink publish both sides; linking again is a no-op', async () => {
    const { principal, newEvents } = await tenant();
    const contact = await createRecord(db, principal, 'contact', { firstName: 'Max' });
    const deal = await createRecord(db, principal, 'deal', { name: 'D' });
    await newEvents();
    const linked = await linkRecords(db, principal, 'contact', contact.id, 'dealIds', [deal.id]);
    expect(linked.dealIds).toEqual([deal.id]);
    expect(summary(await newEvents())).toEqual([`contact.updated ${contact.id}`, `deal.updated ${deal.id}`]);
    await linkRecords(db, principal, 'deal', deal.id, 'contacts', [contact.id]);
    expect(await newEvents()).toEqual([]);
    await unlinkRecords(db, principal, 'deal', deal.id, 'contactIds', [contact.id]);
    const list = await newEvents();
    expect(summary(list)).toEqual([`deal.updated ${deal.id}`, `contact.updated ${contact.id}`]);
    expect(list[1]!.data.payload.changes).toEqual({ dealIds: { previous: [deal.id], current: [] } });
  });
});

describe('CSV import', () => {
  it('dry run reports row errors and writes nothing; a real run creates valid rows with the same events', async () => {
    const { principal, newEvents } = await tenant();
    const column = await createCustomColumn(db, principal, { entityType: 'contact', name: 'Birthday', type: 'date' });
    const csv = 'First Name,Last Name,Email,Birthday\nAda,Lovelace,ada@example.com,1815-12-10\nBad,Row,not-an-email,\nAlan,Turing,alan@example.com;a.turing@example.com,1912-13-40\n"Grace","Hopper",grace@example.com,1906-12-09\n';
    const dry = await importRecords(db, principal, 'contact', { csv, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, total: 4, valid: 2, created: 0 });
    expect(dry.errors.map((e) => [e.row, e.field])).toEqual([
      [3, 'emails.0'],
      [4, 'customFieldValues.0.value'],
    ]);
    expect(await newEvents()).toEqual([]);

    const real = await importRecords(db, principal, 'contact', { csv, mapping: { 'First Name': 'firstName', 'Last Name': 'lastName', Email: 'emails', Birthday: `custom:${column.id}` } });
    expect(real).toMatchObject({ dryRun: false, total: 4, valid: 2, created: 2 });
    const list = await newEvents();
    expect(list.map((e) => e.event)).toEqual(['contact.created', 'contact.created']);
    expect(list[0]!.data.payload.contact).toMatchObject({ firstName: 'Ada', emails: ['ada@example.com'], customFieldValues: [{ columnId: column.id, value: '1815-12-10' }] });
  });

  it('rejects a mapping to an unknown field, naming the CSV column', async () => {
    const { principal } = await tenant();
    const error = (await importRecords(db, principal, 'organization', { csv: 'Name\nAcme\n', mapping: { Name: 'title' } }).catch((e) => e)) as AppError;
    expect(error.field).toBe('mapping.Name');
  });
});

describe('ids from surfaces that do not check them', () => {
  it('non-UUID ids are validation errors, never database errors', async () => {
    const { principal } = await tenant();
    const { getRecordOrThrow } = await import('../../src/crm/index.js');
    await expect(deleteRecords(db, principal, 'contact', ['nope'])).rejects.toMatchObject({ code: 'validation_error', field: 'ids.0' });
    await expect(getRecordOrThrow(db, principal, 'contact', 'nope')).rejects.toMatchObject({ code: 'validation_error', field: 'id' });
    await expect(updateRecord(db, principal, 'contact', 'nope', { firstName: 'x' })).rejects.toMatchObject({ code: 'validation_error', field: 'id' });
    await expect(linkRecords(db, principal, 'contact', 'nope', 'dealIds', [])).rejects.toMatchObject({ code: 'validation_error' });
    await expect(deleteRecords(db, principal, 'contact', ['11111111-1111-4111-8111-111111111111'])).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('concurrent writes', () => {
  it('two writers linking to the same organization each see the other\'s committed link in `previous`', async () => {
    const { principal, newEvents } = await tenant();
    const org = await createRecord(db, principal, 'organization', { name: 'Shared' });
    const contacts = await createRecords(db, principal, 'contact', Array.from({ length: 6 }, (_, i) => ({ firstName: `C${i}` })));
    await newEvents();
    await Promise.all(contacts.map((c) => linkRecords(db, principal, 'contact', c.id, 'organizationIds', [org.id])));
    const orgEvents = (await newEvents()).filter((e) => e.event === 'organization.updated');
    expect(orgEvents).toHaveLength(6);
    const sizes = orgEvents.map((e) => [e.data.payload.changes.contactIds.previous.length, e.data.payload.changes.contactIds.current.length]);
    expect(sizes.sort((a, b) => a[0]! - b[0]!)).toEqual([0, 1, 2, 3, 4, 5].map((n) => [n, n + 1]));
  });
});
