// Record versions (spec §10): 1 for the event that created a record, +1 for every later event about it
// (fan-out and deletes included), gap-free and in commit order per record — also under concurrent writers — and
// sent as X-Webhook-Record-Version on every delivery.
import { describe, expect, it } from 'vitest';
import { createRecord, deleteRecords, linkRecords, updateRecord, updateRecords } from '../../src/crm/index.js';
import type { Tenant } from '../helpers/app.js';
import { principalOf } from '../crm/helpers.js';
import { allFinished, createWebhook, startDeliveryFixture, waitForDeliveries } from '../delivery/fixtures.js';

const { t, receiver, startWorker } = await startDeliveryFixture({ env: { WEBHOOK_TIMEOUT_MS: '3000' } });
const db = t.ctx.db;

interface VersionRow {
  id: string;
  name: string;
  record_version: number;
  body: string;
  seq: string;
}

/** The record's events in commit order (xid, then insert order: the feed's order). */
async function eventsOf(entityId: string): Promise<VersionRow[]> {
  const { rows } = await t.ctx.pool.query<VersionRow>(
    'SELECT id, name, record_version, body, seq::text AS seq FROM events WHERE entity_id = $1 ORDER BY xid, seq',
    [entityId],
  );
  return rows;
}

const versions = async (id: string) => (await eventsOf(id)).map((e) => `${e.name} ${e.record_version}`);

describe('record versions', () => {
  it('count 1..n over create, update, fan-out from links and services, and delete', async () => {
    const tenant = await t.signup();
    const principal = principalOf(tenant);
    const org = await createRecord(db, principal, 'organization', { name: 'Acme' });
    const contact = await createRecord(db, principal, 'contact', { firstName: 'Max', organizationIds: [org.id] });
    await updateRecord(db, principal, 'contact', contact.id, { lastName: 'Mustermann' });
    await updateRecord(db, principal, 'contact', contact.id, { lastName: 'Mustermann' }); // moves nothing: no event, no version
    const service = await createRecord(db, principal, 'service', { name: 'Setup', amount: 100 });
    const deal = await createRecord(db, principal, 'deal', { name: 'Big', services: [{ serviceId: service.id, quantity: 2 }] });
    await updateRecord(db, principal, 'service', service.id, { amount: 150 }); // deal.updated (totalValue)
    await linkRecords(db, principal, 'deal', deal.id, 'contactIds', [contact.id]);
    await deleteRecords(db, principal, 'organization', [org.id]); // contact.updated (lost the link)

    expect(await versions(org.id)).toEqual(['organization.created 1', 'organization.updated 2', 'organization.deleted 3']);
    expect(await versions(contact.id)).toEqual(['contact.created 1', 'contact.updated 2', 'contact.updated 3', 'contact.updated 4']);
    expect(await versions(service.id)).toEqual(['service.created 1', 'service.updated 2', 'service.updated 3']);
    expect(await versions(deal.id)).toEqual(['deal.created 1', 'deal.updated 2', 'deal.updated 3']);

    // Bulk: each record of one write gets its own next version.
    await updateRecords(db, principal, 'contact', [{ id: contact.id, firstName: 'Moritz' }]);
    expect((await eventsOf(contact.id)).at(-1)!.record_version).toBe(5);
  });

  it('8 concurrent writers to one record: gap-free 1..n in commit order', async () => {
    const tenant = await t.signup();
    const principal = principalOf(tenant);
    const contact = await createRecord(db, principal, 'contact', { firstName: 'start' });
    const WRITERS = 8;
    const WRITES_EACH = 6;
    const failures: unknown[] = [];
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; i < WRITES_EACH; i++) {
          await updateRecord(db, principal, 'contact', contact.id, { firstName: `w${w}-${i}`, emails: [`w${w}.${i}@example.com`] }).catch((e: unknown) => failures.push(e));
        }
      }),
    );
    expect(failures).toEqual([]);
    const list = await eventsOf(contact.id);
    expect(list).toHaveLength(1 + WRITERS * WRITES_EACH);
    expect(list.map((e) => e.record_version)).toEqual(list.map((_, i) => i + 1));
    // Commit order: each update's `previous` is what the update before it (by version) made `current`.
    for (let i = 1; i < list.length; i++) {
      const previous = JSON.parse(list[i - 1]!.body).data.payload;
      const current = JSON.parse(list[i]!.body).data.payload;
      expect(current.changes.firstName.previous).toBe(previous.contact.firstName);
    }
    const { rows } = await t.ctx.pool.query('SELECT version FROM records WHERE id = $1', [contact.id]);
    expect(rows[0].version).toBe(list.length);
  });
});

describe('X-Webhook-Record-Version', () => {
  it('carries the event’s record version on every delivery, and the delivery log shows it', async () => {
    const tenant: Tenant = await t.signup();
    const principal = principalOf(tenant);
    await createWebhook(t, tenant, { url: `${receiver.url}/versions`, events: ['contact.created', 'contact.updated', 'contact.deleted'] });
    startWorker();
    const contact = await createRecord(db, principal, 'contact', { firstName: 'A' });
    await updateRecord(db, principal, 'contact', contact.id, { firstName: 'B' });
    await deleteRecords(db, principal, 'contact', [contact.id]);
    const rows = await waitForDeliveries(t, tenant.companyId, allFinished(3), 30_000);
    expect(rows.map((r) => r.status)).toEqual(['success', 'success', 'success']);
    const sent = receiver.requests.filter((r) => rows.some((row) => row.id === r.headers['x-webhook-delivery']));
    expect(sent).toHaveLength(3);
    const byEvent = new Map(sent.map((r) => [r.headers['x-webhook-event'], r.headers['x-webhook-record-version']]));
    expect(Object.fromEntries(byEvent)).toEqual({ 'contact.created': '1', 'contact.updated': '2', 'contact.deleted': '3' });
    const detail = (await (await t.call('GET', `/webhook-deliveries/${rows[2]!.id}`, { key: tenant.key })).json()) as { requestHeaders: Record<string, string> };
    expect(detail.requestHeaders['x-webhook-record-version']).toBe('3');
  });
});
