// Bounded writes: an event body never exceeds MAX_EVENT_BODY_BYTES (a larger one is refused whole, naming the
// field), a delete's fan-out is capped, and link targets deleted concurrently answer 4xx, never a foreign-key 500.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createCustomColumn, createRecord, deleteRecords, linkRecords, updateRecord, updateRecords } from '../../src/crm/index.js';
import { MAX_LINKED_RECORDS_PER_WRITE } from '../../src/crm/commands.js';
import { MAX_EVENT_BODY_BYTES } from '../../src/events/body-limit.js';
import { AppError } from '../../src/errors.js';
import { createTestApp } from '../helpers/app.js';
import { listen } from '../helpers/http-server.js';
import { connectMcp } from '../helpers/mcp.js';
import { eventReader, principalOf } from './helpers.js';

const t = await createTestApp();
const db = t.ctx.db;
const baseUrl = await listen(t);

async function tenant() {
  const signed = await t.signup();
  return { principal: principalOf(signed), newEvents: eventReader(db, signed.companyId), signed };
}

async function counts(companyId: string) {
  const { rows } = await t.ctx.pool.query<{ records: number; links: number; events: number }>(
    `SELECT (SELECT count(*)::int FROM records WHERE company_id = $1) AS records,
            (SELECT count(*)::int FROM record_links WHERE company_id = $1) AS links,
            (SELECT count(*)::int FROM events WHERE company_id = $1) AS events`,
    [companyId],
  );
  return rows[0]!;
}

/** `n` contacts linked to the organization, inserted in one statement (fixture set-up, not a write under test). */
async function linkContactsInBulk(companyId: string, organizationId: string, n: number): Promise<void> {
  await db.execute(sql`
    WITH c AS (
      INSERT INTO records (company_id, type, first_name, last_name, emails, created_at, updated_at)
      SELECT ${companyId}, 'contact', 'Bulk ' || i, '', '{}', now(), now() FROM generate_series(1, ${n}) i
      RETURNING id
    )
    INSERT INTO record_links (company_id, from_id, from_type, to_id, to_type)
    SELECT ${companyId}, c.id, 'contact', ${organizationId}, 'organization' FROM c`);
  // Fresh statistics, as autovacuum would keep them: planned on an empty table's statistics, reading 6 000
  // records back takes a minute instead of a second.
  await db.execute(sql`ANALYZE records, record_links`);
}

describe('event body bound', () => {
  it('a record whose event would exceed the bound is refused with 413 event_too_large naming the largest field; nothing is written', async () => {
    const { principal, signed } = await tenant();
    // 100 text columns of 10 000 characters: 50 fit in a ~0.5 MB created event; setting the other 50 makes the
    // updated event carry 100 values in the DTO plus 50 + 100 in `changes`, ~2.5 MB.
    const columns: Array<{ id: string }> = [];
    for (let i = 0; i < 100; i++) columns.push(await createCustomColumn(db, principal, { entityType: 'contact', name: `Big ${i}`, type: 'text' }));
    const values = (from: number, to: number) => columns.slice(from, to).map((c) => ({ columnId: c.id, value: 'x'.repeat(10_000) }));
    const created = await t.call('POST', '/contacts', { key: signed.key, body: { firstName: 'Heavy', customFieldValues: values(0, 50) } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const before = await counts(signed.companyId);
    const response = await t.call('PATCH', `/contacts/${id}`, { key: signed.key, body: { customFieldValues: values(50, 100) } });
    expect(response.status).toBe(413);
    const { error } = (await response.json()) as { error: { code: string; field: string; message: string } };
    expect(error).toMatchObject({ code: 'event_too_large', field: 'customFieldValues' });
    expect(error.message).toContain(String(MAX_EVENT_BODY_BYTES));
    expect(await counts(signed.companyId)).toEqual(before);
    const [{ n: values_ } = { n: -1 }] = (await t.ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM custom_field_values WHERE record_id = $1', [id])).rows;
    expect(values_).toBe(50);
    // Other changes to the record still fit: `changes` then carries only them.
    expect((await updateRecord(db, principal, 'contact', id, { firstName: 'Still heavy' })).customFieldValues).toHaveLength(50);
  });

  it('linking one more contact to an organization whose event would exceed the bound names the relation; nothing is written', async () => {
    const { principal, signed } = await tenant();
    const org = await createRecord(db, principal, 'organization', { name: 'Huge' });
    await linkContactsInBulk(signed.companyId, org.id, 10_000);
    const contact = await createRecord(db, principal, 'contact', { firstName: 'One more' });
    const before = await counts(signed.companyId);
    const viaLink = (await linkRecords(db, principal, 'contact', contact.id, 'organizationIds', [org.id]).catch((e: unknown) => e)) as AppError;
    expect(viaLink).toBeInstanceOf(AppError);
    expect(viaLink).toMatchObject({ code: 'event_too_large', status: 413, field: 'contactIds' });
    expect(viaLink.message).toContain(org.id);
    const viaUpdate = (await updateRecord(db, principal, 'contact', contact.id, { organizationIds: [org.id] }).catch((e: unknown) => e)) as AppError;
    expect(viaUpdate).toMatchObject({ code: 'event_too_large', field: 'contactIds' });
    const mcp = await connectMcp(baseUrl, signed.key);
    const viaMcp = await mcp.call('link_entities', { entity: 'contact', sourceId: contact.id, relation: 'organizationIds', ids: [org.id] });
    expect(viaMcp.isError).toBe(true);
    expect(viaMcp.text).toMatch(/^contactIds: /);
    expect(viaMcp.text).toContain(`at most ${MAX_EVENT_BODY_BYTES} bytes`);
    expect(await counts(signed.companyId)).toEqual(before);
  });
});

describe('delete fan-out bound', () => {
  it(`a delete (or bulk update) reaching more than ${MAX_LINKED_RECORDS_PER_WRITE} linked records is refused naming ids (items); each record alone can be deleted`, async () => {
    const { principal, signed, newEvents } = await tenant();
    const a = await createRecord(db, principal, 'organization', { name: 'A' });
    const b = await createRecord(db, principal, 'organization', { name: 'B' });
    await linkContactsInBulk(signed.companyId, a.id, 6000);
    await linkContactsInBulk(signed.companyId, b.id, 6000);
    await newEvents();
    const before = await counts(signed.companyId);
    const error = (await deleteRecords(db, principal, 'organization', [a.id, b.id]).catch((e: unknown) => e)) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'validation_error', status: 400, field: 'ids' });
    expect(error.message).toContain('12000');
    expect(await counts(signed.companyId)).toEqual(before);
    // The same bound holds for a bulk update that replaces those links.
    const update = (await updateRecords(db, principal, 'organization', [a, b].map(({ id }) => ({ id, contactIds: [] }))).catch((e: unknown) => e)) as AppError;
    expect(update).toMatchObject({ code: 'validation_error', field: 'items' });
    expect(await counts(signed.companyId)).toEqual(before);

    await deleteRecords(db, principal, 'organization', [a.id]);
    const published = await newEvents();
    expect(published).toHaveLength(6001);
    expect(published.filter((e) => e.event === 'contact.updated')).toHaveLength(6000);
  }, 120_000);
});

describe('link targets deleted concurrently', () => {
  // Each round races a write that links to an organization against the organization's delete. Whichever wins,
  // the other answers a 4xx (or succeeds), never a foreign-key violation.
  it('link, create and update racing a delete of their target answer 2xx or 4xx, never 5xx', async () => {
    const { principal } = await tenant();
    const contact = await createRecord(db, principal, 'contact', { firstName: 'Racer' });
    const failures: unknown[] = [];
    const outcomes = new Map<string, number>();
    const settle = async (label: string, promise: Promise<unknown>) => {
      try {
        await promise;
        outcomes.set(`${label} ok`, (outcomes.get(`${label} ok`) ?? 0) + 1);
      } catch (error) {
        if (error instanceof AppError && error.status < 500) outcomes.set(`${label} ${error.code}`, (outcomes.get(`${label} ${error.code}`) ?? 0) + 1);
        else failures.push(error);
      }
    };
    for (let round = 0; round < 40; round++) {
      const orgs = await Promise.all([0, 1, 2].map((i) => createRecord(db, principal, 'organization', { name: `Target ${round}.${i}` })));
      await Promise.all([
        settle('link', linkRecords(db, principal, 'contact', contact.id, 'organizationIds', [orgs[0]!.id])),
        settle('create', createRecord(db, principal, 'contact', { firstName: 'New', organizationIds: [orgs[1]!.id] })),
        settle('update', updateRecord(db, principal, 'deal', (await createRecord(db, principal, 'deal', { name: 'D' })).id, { organizationIds: [orgs[2]!.id] })),
        settle('delete', deleteRecords(db, principal, 'organization', orgs.map((o) => o.id))),
      ]);
    }
    expect(failures).toEqual([]);
    expect(outcomes.get('delete ok')).toBeGreaterThan(0);
  });
});
