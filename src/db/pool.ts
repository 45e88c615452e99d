// One pg Pool per process, wrapped by Drizzle. `Db` and `Tx` share a type so every writer takes either:
// a command runs in the caller's transaction when given one (see withTransaction).
import pg from 'pg';
import type { SQL } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { PgDialect, type PreparedQueryConfig } from 'drizzle-orm/pg-core';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Db = NodePgDatabase<Schema>;
/** A transaction handle; structurally usable wherever a Db is. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

// Timestamps travel as ISO strings end to end; pg's default Date parsing loses microseconds and time zones.
pg.types.setTypeParser(1184, (value) => value); // timestamptz
pg.types.setTypeParser(20, (value) => Number(value)); // int8 (counts)

/**
 * pg-pool awaits `onConnect` before it hands a new connection out (a failure ends that connection and fails the
 * query that asked for it); @types/pg does not list the option yet. test/delivery/worker-pool.test.ts checks it.
 */
type PoolOptions = Pick<pg.PoolConfig, 'application_name'> & { onConnect?(client: pg.PoolClient): Promise<void> };

export function createPool(url: string, max = 20, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000, ...options });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

/**
 * The pool of the delivery worker's own statements: a handful of named statements run thousands of times a second
 * against the queue. PostgreSQL plans a prepared statement for each call's values until a plan made for any values
 * looks no dearer, and with the queue's small, churning contents the claim kept drifting back to planning each
 * call (about 1 ms a plan, more than running it; docs/benchmarks.md). Here every statement keeps one plan per
 * connection, rebuilt whenever the tables' statistics change (the worker analyzes the queue after every few
 * thousand results, queue-vacuum.ts). The API's pool keeps PostgreSQL's choice: the log's data is skewed by
 * company, and its queries need plans made for their values. A `SET` when each connection opens, not a startup
 * option, because PgBouncer refuses startup options it does not track; `application_name` names the worker's
 * connections in pg_stat_activity.
 */
export function createWorkerPool(url: string, max = WORKER_POOL_SIZE): pg.Pool {
  return createPool(url, max, {
    application_name: WORKER_APPLICATION_NAME,
    onConnect: async (client) => void (await client.query('SET plan_cache_mode = force_generic_plan')),
  });
}

/** Statements the worker can have in flight at once: claim, expansion, result batch, heartbeat, vacuum, releases. */
export const WORKER_POOL_SIZE = 8;
export const WORKER_APPLICATION_NAME = 'switchboard-worker';

/** The URL a pool connects with, for connections of their own (the worker's pool, its LISTEN connection). */
export function connectionStringOf(pool: pg.Pool): string {
  const url = (pool.options as { connectionString?: string }).connectionString;
  if (!url) throw new Error('the pool was made without a connection string');
  return url;
}

/** Turns Drizzle's sql templates into text and values (for statements sent by name). */
export const dialect = new PgDialect();

/**
 * Runs `query` as a named prepared statement on the connection of `db` (the transaction's, when given one):
 * parsed once per connection, and planned once as soon as PostgreSQL settles on a plan made for any values,
 * instead of parsed and planned on every call. For the statements every write runs with only their values
 * changing (the statement that decides a write's deliveries cost more to plan than to run, about 0.4 ms a
 * write). One name must always carry the same text: pg refuses a second text under a name it has prepared.
 */
export function executeNamed<T extends Record<string, unknown>>(db: DbOrTx, name: string, query: SQL): Promise<pg.QueryResult<T>> {
  return db._.session.prepareQuery<PreparedQueryConfig & { execute: pg.QueryResult<T> }>(dialect.sqlToQuery(query), undefined, name, false).execute();
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
