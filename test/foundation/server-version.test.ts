// Start-up refuses a PostgreSQL server older than 15 with a message naming DATABASE_URL and what to do
// (src/db/server-version.ts); the servers the suite runs on (a PostgreSQL 15 server in CI, the embedded 17)
// pass the same check that start-up runs.
import { describe, expect, it } from 'vitest';
import { checkServerVersion, MIN_SERVER_VERSION_NUM, unsupportedServerMessage } from '../../src/db/server-version.js';
import { createTestDatabase } from '../helpers/db.js';

const database = await createTestDatabase();

describe('the PostgreSQL server version', () => {
  it('15 and newer are supported; 14 and older get a message with the version found and the ways out', () => {
    for (const [num, version] of [[150000, '15.0'], [150018, '15.18 (Debian 15.18-0+deb12u1)'], [170010, '17.10'], [180001, '18.1']] as const) {
      expect(unsupportedServerMessage(num, version)).toBeNull();
    }
    const message = unsupportedServerMessage(140012, '14.12 (Debian 14.12-1.pgdg120+1)');
    expect(message).toBe(
      'Switchboard needs PostgreSQL 15 or newer; the server at DATABASE_URL runs PostgreSQL 14.12. ' +
        'Upgrade it (pg_upgrade, or a dump restored into a new server), or unset DATABASE_URL to use the embedded PostgreSQL 17.',
    );
    expect(unsupportedServerMessage(MIN_SERVER_VERSION_NUM - 1, '14.99')).toContain('PostgreSQL 14.99');
    expect(unsupportedServerMessage(120022, '12.22')).toContain('PostgreSQL 12.22');
  });

  it('the server under test passes the start-up check, which reads its real version', async () => {
    await expect(checkServerVersion(database.pool)).resolves.toBeUndefined();
    const { rows } = await database.pool.query<{ num: string }>("SELECT current_setting('server_version_num') AS num");
    expect(Number(rows[0]!.num)).toBeGreaterThanOrEqual(MIN_SERVER_VERSION_NUM);
  });
});
