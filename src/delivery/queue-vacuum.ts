// Keeps the delivery queue table small and its statistics true. Every delivery leaves dead row versions in
// webhook_delivery_queue (its claim, its lease renewals, its deletion once recorded), thousands a second under
// load, while the table's live rows are only the backlog — a few hundred, or tens of thousands behind a tarpit.
// Its storage settings ask autovacuum to run after 5,000 dead rows (migration 0005), but autovacuum visits a
// database at most once per autovacuum_naptime, a minute by default: in between, dead versions pile up in the
// indexes every claim walks, and the planner keeps the statistics of a table that has since grown or emptied.
// In the delivery bench a tarpit's backlog beside healthy webhooks raised PostgreSQL's CPU per healthy delivery
// by a third (tarpit rounds at 78–88 % of the rounds without); with this vacuum, 94–101 %.
// So the worker vacuums and analyzes the table itself: after every VACUUM_AFTER_ROWS results it records, at most
// once per VACUUM_MIN_INTERVAL_MS. SKIP_LOCKED steps aside while another worker's vacuum (or autovacuum) runs;
// TRUNCATE false, because giving back a table's empty tail takes a lock that stops every claim and write of
// deliveries while it is held, and a queue that empties refills a moment later anyway.
// The writes' fan-out rows (webhook_delivery_fanout: inserted by every write, deleted by its expansion a moment
// later) churn the same way, and expansions read that table in physical order: it is vacuumed with the queue.
import type pg from 'pg';
import type { Logger } from '../log.js';

export const VACUUM_AFTER_ROWS = 5_000;
export const VACUUM_MIN_INTERVAL_MS = 1_000;

export interface QueueVacuum {
  /** Counts results recorded; starts a vacuum when enough dead rows have been left since the last one. */
  recorded(rows: number): void;
  /** Resolves once a vacuum still running has finished. */
  idle(): Promise<void>;
}

export function startQueueVacuum(pool: pg.Pool, log: Logger, now: () => number = Date.now): QueueVacuum {
  let sinceLast = 0;
  let lastAt = now();
  let running: Promise<void> | null = null;
  return {
    recorded(rows) {
      sinceLast += rows;
      if (running || sinceLast < VACUUM_AFTER_ROWS || now() - lastAt < VACUUM_MIN_INTERVAL_MS) return;
      sinceLast = 0;
      lastAt = now();
      running = pool
        .query('VACUUM (ANALYZE, SKIP_LOCKED, TRUNCATE false) webhook_delivery_queue, webhook_delivery_fanout')
        .then(() => undefined)
        .catch((error) => log.warn({ err: error }, 'vacuuming the delivery queue failed; autovacuum still runs'))
        .finally(() => {
          running = null;
        });
    },
    idle: () => running ?? Promise.resolve(),
  };
}
