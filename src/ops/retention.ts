// Retention (spec §12): finished delivery records and events older than RETENTION_DAYS are deleted in the
// background, in small batches, by every worker process (the processes that write the delivery log).
//
// What is never deleted: a delivery that is pending or processing (it has a queue row), and an event any
// remaining delivery still points at (its body is what that delivery sends and shows) — so an old event that
// a recent resend, recover or retry uses stays until that delivery ages out too. Deliveries go first, then the
// events they no longer hold. The event feed notes where a company's feed was cut (a statement trigger on
// events, migration 0007), so a cursor from before the cut answers 410 instead of silently skipping events.
// The hourly health rollup keeps 8 days (STATS_KEEP_MS), whatever RETENTION_DAYS says.
//
// Keeping the API and the worker at full speed:
//   * Every statement deletes at most BATCH_ROWS rows of a group of COMPANIES_PER_STATEMENT companies, found
//     through the indexes the log already has — webhook_deliveries (company_id, created_at), events (company_id,
//     created_at), and for the "still referenced" check deliveries (company_id, entity_id) — so no new index
//     costs the write path anything and no statement holds locks for long. Rows another process has locked are skipped (SKIP LOCKED), so several
//     workers may sweep at once.
//   * After each batch that deleted something the sweep sleeps DUTY_FACTOR × the batch's duration (at least
//     PAUSE_MIN_MS): it uses at most ~1/(1 + DUTY_FACTOR) of one database connection, whatever the backlog.
//   * Deleted rows leave dead tuples that autovacuum reclaims in place; a table that shrinks by a steady 1/90
//     a day reuses that space for new rows instead of growing.
import { sql } from 'drizzle-orm';
import type { AppContext } from '../context.js';
import { arrayLiteral, type DbOrTx } from '../db/pool.js';
import { startPeriodicJob, type PeriodicJob } from '../periodic-job.js';
import { STATS_KEEP_MS } from './stats.js';

export const RETENTION_INTERVAL_MS = 10 * 60 * 1000;
/** The first sweep, after start-up has settled. */
export const RETENTION_FIRST_RUN_MS = 30_000;
const BATCH_ROWS = 500;
/** Companies one statement covers: small companies share a batch instead of paying a statement and a pause each. */
const COMPANIES_PER_STATEMENT = 100;
const DUTY_FACTOR = 4;
const PAUSE_MIN_MS = 5;
const DAY_MS = 86_400_000;

export interface RetentionTotals {
  deliveries: number;
  events: number;
  statsRows: number;
}

export interface RetentionOptions {
  retentionDays: number;
  /** Rows per statement (tests and the benchmark vary it). */
  batchRows?: number;
  /** Sleep after a batch: DUTY_FACTOR × its duration, at least this many ms. */
  pauseMinMs?: number;
  /** Checked between batches: a sweep stops early when the process stops. */
  isStopping?: () => boolean;
  /** Now, for the cutoff (tests). */
  nowMs?: number;
}


async function deleteDeliveryBatch(db: DbOrTx, companyIds: readonly string[], cutoff: string, limit: number): Promise<number> {
  const result = await db.execute(sql`
    DELETE FROM webhook_deliveries WHERE id IN (
      SELECT d.id FROM webhook_deliveries d
      WHERE d.company_id = ANY(${arrayLiteral(companyIds)}::uuid[]) AND d.created_at < ${cutoff}::timestamptz AND d.status IN ('success', 'failed')
        AND NOT EXISTS (SELECT 1 FROM webhook_delivery_queue q WHERE q.delivery_id = d.id)
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)`);
  return result.rowCount ?? 0;
}

async function deleteEventBatch(db: DbOrTx, companyIds: readonly string[], cutoff: string, limit: number): Promise<number> {
  const result = await db.execute(sql`
    DELETE FROM events WHERE id IN (
      SELECT e.id FROM events e
      WHERE e.company_id = ANY(${arrayLiteral(companyIds)}::uuid[]) AND e.created_at < ${cutoff}::timestamptz
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.company_id = e.company_id AND d.entity_id = e.entity_id AND d.event_id = e.id)
        -- Nor the event of deliveries not yet expanded (pending, like a queued delivery: src/delivery/fanout.ts).
        AND NOT EXISTS (SELECT 1 FROM webhook_delivery_fanout f WHERE f.company_id = e.company_id AND f.event_id = e.id)
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)`);
  return result.rowCount ?? 0;
}

async function deleteStatsBatch(db: DbOrTx, cutoff: string, limit: number): Promise<number> {
  const result = await db.execute(sql`
    DELETE FROM webhook_delivery_stats WHERE (webhook_id, hour) IN (
      SELECT webhook_id, hour FROM webhook_delivery_stats WHERE hour < ${cutoff}::timestamptz ORDER BY hour LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)`);
  return result.rowCount ?? 0;
}

/** One sweep over every company: expired deliveries, then the events they no longer hold, then old rollup rows. */
export async function purgeExpired(db: DbOrTx, options: RetentionOptions): Promise<RetentionTotals> {
  const limit = options.batchRows ?? BATCH_ROWS;
  const pauseMin = options.pauseMinMs ?? PAUSE_MIN_MS;
  const now = options.nowMs ?? Date.now();
  const cutoff = new Date(now - options.retentionDays * DAY_MS).toISOString();
  const totals: RetentionTotals = { deliveries: 0, events: 0, statsRows: 0 };
  const stopping = () => options.isStopping?.() === true;

  /** Runs batches until one deletes fewer than `limit`, pausing after each batch that deleted anything. */
  const drain = async (batch: () => Promise<number>): Promise<number> => {
    let total = 0;
    while (!stopping()) {
      const started = performance.now();
      const deleted = await batch();
      total += deleted;
      if (deleted === 0) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(pauseMin, DUTY_FACTOR * (performance.now() - started))));
      if (deleted < limit) break;
    }
    return total;
  };

  const companies = (await db.execute<{ id: string }>(sql`SELECT id FROM companies ORDER BY id`)).rows.map((row) => row.id);
  for (let from = 0; from < companies.length && !stopping(); from += COMPANIES_PER_STATEMENT) {
    const group = companies.slice(from, from + COMPANIES_PER_STATEMENT);
    totals.deliveries += await drain(() => deleteDeliveryBatch(db, group, cutoff, limit));
    totals.events += await drain(() => deleteEventBatch(db, group, cutoff, limit));
  }
  const statsCutoff = new Date(now - STATS_KEEP_MS).toISOString();
  totals.statsRows += await drain(() => deleteStatsBatch(db, statsCutoff, limit));
  return totals;
}

/** Starts the background sweeps (unref'd timers). `stop` ends a sweep in progress at its next batch and waits. */
export function startRetention(
  ctx: Pick<AppContext, 'db' | 'log' | 'config'>,
  options: { intervalMs?: number; firstRunMs?: number } = {},
): PeriodicJob {
  return startPeriodicJob(
    (isStopping) => {
      const started = Date.now();
      return purgeExpired(ctx.db, { retentionDays: ctx.config.retentionDays, isStopping })
        .then((totals) => {
          if (totals.deliveries + totals.events + totals.statsRows > 0) {
            ctx.log.info({ ...totals, retentionDays: ctx.config.retentionDays, ms: Date.now() - started }, 'expired delivery records and events purged');
          }
        })
        .catch((error: unknown) => ctx.log.warn({ err: error }, 'purging expired delivery records failed; retrying at the next sweep'));
    },
    { firstRunMs: options.firstRunMs ?? RETENTION_FIRST_RUN_MS, intervalMs: options.intervalMs ?? RETENTION_INTERVAL_MS },
  );
}
