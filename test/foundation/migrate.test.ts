import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { listMigrations, migrate } from '../../src/db/migrate.js';
import { createPool, databaseUrlFor } from '../../src/db/pool.js';

it('several processes migrating one empty database at once apply each migration exactly once', async () => {
  const adminUrl = inject('adminUrl');
  const name = `switchboard_migrate_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = databaseUrlFor(adminUrl, name);
  const pools = [1, 2, 3].map(() => createPool(url, 2));
  try {
    const results = await Promise.all(pools.map((pool) => migrate(pool)));
    const all = listMigrations().map((m) => m.name);
    // Exactly one of the three did the work; the others found everything applied.
    expect(results.flat().sort()).toEqual(all.sort());
    const { rows } = await pools[0]!.query('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual([...all].sort());
    expect(await migrate(pools[0]!)).toEqual([]);
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
});
