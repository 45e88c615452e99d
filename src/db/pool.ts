// One pg Pool per process, wrapped by Drizzle. `Db` and `Tx` share a type so every writer takes either:
// a command runs in the caller's transaction when given one (see withTransaction).
import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Db = NodePgDatabase<Schema>;
/** A transaction handle; structurally usable wherever a Db is. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

// Timestamps travel as ISO strings end to end; pg's default Date parsing loses microseconds and time zones.
pg.types.setTypeParser(1184, (value) => value); // timestamptz
pg.types.setTypeParser(20, (value) => Number(value)); // int8 (counts)

export function createPool(url: string, max = 20): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

export function createDb(pool: pg.Pool): Db {
  return drizzle(pool, { schema });
}

/**
 * A PostgreSQL array literal ("{a,b}") for one parameter cast to uuid[] or int[]: Drizzle's sql template would
 * expand a JS array into one parameter per element. Only for uuids and integers (no quoting is done).
 */
export function arrayLiteral(values: Iterable<string | number> | undefined): string {
  return `{${[...(values ?? [])].join(',')}}`;
}

/** The same server and credentials as `url`, another database (tests and benchmarks make one per run). */
export function databaseUrlFor(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
