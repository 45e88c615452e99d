// Migration 0007 on a database that already holds events: existing events get record versions 1..n per record
// and feed positions in time order, below every new event; records continue counting from there.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, expect, inject, it } from 'vitest';
import { listMigrations } from '../../src/db/migrate.js';
import { databaseUrlFor } from '../../src/db/pool.js';

const adminUrl = inject('adminUrl');
const name = `switchboard_feed_migration_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const client = new pg.Client({ connectionString: databaseUrlFor(adminUrl, name) });
await client.connect();
afterAll(async () => {
  await client.end();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

it('backfills versions and positions of existing events in time order, below new events', async () => {
  const migrations = listMigrations();
  for (const m of migrations.filter((m) => m.name < '0007')) await client.query(m.sql);

  const company = randomUUID();
  await client.query(`INSERT INTO companies (id, name) VALUES ($1, 'Old Co')`, [company]);
  const contact = randomUUID();
  const org = randomUUID();
  await client.query(
    `INSERT INTO records (id, company_id, type, first_name, last_name, emails, name, created_at, updated_at)
     VALUES ($1, $3, 'contact', 'Max', '', '{}', NULL, now(), now()), ($2, $3, 'organization', NULL, NULL, NULL, 'Acme', now(), now())`,
    [contact, org, company],
  );
  // Inserted out of time order, as a busy database would have them on disk.
  const old = [
    { entity: contact, name: 'contact.updated', at: '2026-01-01T10:00:02Z' },
    { entity: contact, name: 'contact.created', at: '2026-01-01T10:00:00Z' },
    { entity: org, name: 'organization.created', at: '2026-01-01T10:00:01Z' },
    { entity: contact, name: 'contact.updated', at: '2026-01-01T10:00:03Z' },
  ];
  for (const e of old) {
    await client.query(`INSERT INTO events (company_id, name, entity_id, body, created_at) VALUES ($1, $2, $3, '{}', $4)`, [company, e.name, e.entity, e.at]);
  }

  for (const m of migrations.filter((m) => m.name >= '0007')) await client.query(m.sql);

  const { rows } = await client.query<{ name: string; entity_id: string; record_version: number; xid: string; seq: string }>(
    'SELECT name, entity_id, record_version, xid::text AS xid, seq::text AS seq FROM events ORDER BY xid, seq',
  );
  expect(rows.map((r) => `${r.name} ${r.record_version}`)).toEqual([
    'contact.created 1',
    'organization.created 1',
    'contact.updated 2',
    'contact.updated 3',
  ]);
  const { rows: records } = await client.query<{ id: string; version: number }>('SELECT id, version FROM records');
  expect(Object.fromEntries(records.map((r) => [r.id, r.version]))).toEqual({ [contact]: 3, [org]: 1 });

  // A new event sorts after every backfilled one, and new records start at 1 again.
  await client.query(`INSERT INTO events (company_id, name, entity_id, body, created_at, record_version) VALUES ($1, 'task.created', $2, '{}', now(), 1)`, [company, randomUUID()]);
  const { rows: last } = await client.query<{ name: string; seq: string }>('SELECT name, seq::text AS seq FROM events ORDER BY xid DESC, seq DESC LIMIT 1');
  expect(last[0]!.name).toBe('task.created');
  expect(BigInt(last[0]!.seq)).toBe(5n);
});
