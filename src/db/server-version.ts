// The PostgreSQL versions Switchboard supports: 15 and newer. CI runs every test on a PostgreSQL 15 server and on
// the embedded 17; 14 and older are past their end of life (14's was November 2026), and 12 and older lack what
// the migrations and the event feed use (xid8 transaction ids). Checked once at start-up, before migrating: on an
// older server the failure would otherwise surface as an obscure error halfway through a migration.
import type pg from 'pg';
import { ConfigError } from '../config.js';

/** PostgreSQL's server_version_num of the oldest supported release: 15.0. */
export const MIN_SERVER_VERSION_NUM = 150_000;

/** Null when the server (`server_version_num`, `server_version`) is supported, else a message saying what to do. */
export function unsupportedServerMessage(versionNum: number, version: string): string | null {
  if (versionNum >= MIN_SERVER_VERSION_NUM) return null;
  return (
    `Switchboard needs PostgreSQL 15 or newer; the server at DATABASE_URL runs PostgreSQL ${version.split(' ')[0]}. ` +
    `Upgrade it (pg_upgrade, or a dump restored into a new server), or unset DATABASE_URL to use the embedded PostgreSQL 17.`
  );
}

/** Throws a ConfigError naming DATABASE_URL when the server is older than MIN_SERVER_VERSION_NUM. */
export async function checkServerVersion(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ num: string; version: string }>(
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version",
  );
  const problem = unsupportedServerMessage(Number(rows[0]!.num), rows[0]!.version);
  if (problem) throw new ConfigError('DATABASE_URL', problem);
}
