// A write's statements that run on every write with only their values changing (the records, the events, the
// statement that decides the deliveries) are named prepared statements (src/db/pool.ts executeNamed): parsed
// once per connection and, once PostgreSQL settles on a plan for any values, planned once. Planning the
// deliveries' statement had cost more than running it, about 0.4 ms a write. Checked on a pool of one
// connection through PostgreSQL's list of the session's prepared statements and the plans each made.
import { describe, expect, it } from 'vitest';
import { createRecords, updateRecord } from '../../src/crm/index.js';
import { createDb, createPool } from '../../src/db/pool.js';
import { createTestApp } from '../helpers/app.js';
import { principalOf } from './helpers.js';

const t = await createTestApp();

describe("a write's statements", () => {
  it('are prepared once per connection and reused by every later write', async () => {
    const pool = createPool(t.database.url, 1); // every write below on the one connection
    try {
      const db = createDb(pool);
      const principal = principalOf(await t.signup());
      const writes = 8;
      for (let i = 0; i < writes; i++) {
        const [contact] = await createRecords(db, principal, 'contact', [{ firstName: `Named ${i}`, lastName: 'Statement' }]);
        await updateRecord(db, principal, 'contact', contact!.id, { lastName: `Statement ${i}` });
      }
      const { rows } = await pool.query<{ name: string; generic_plans: string; custom_plans: string }>(
        `SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE name IN ('insert-records-returning', 'insert-events', 'enqueue-deliveries') ORDER BY name`,
      );
      const executions = Object.fromEntries(rows.map((row) => [row.name, Number(row.generic_plans) + Number(row.custom_plans)]));
      // Every create inserts its records; creates and updates both write events and decide their deliveries.
      expect(executions).toEqual({ 'enqueue-deliveries': 2 * writes, 'insert-events': 2 * writes, 'insert-records-returning': writes });
      // After PostgreSQL's first five plans for each call's values, the statements that only carry rows as JSON
      // reuse one plan for any values.
      for (const row of rows) expect(Number(row.generic_plans), row.name).toBeGreaterThan(0);
    } finally {
      await pool.end();
    }
  });
});
