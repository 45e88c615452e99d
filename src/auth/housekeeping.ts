// Periodic clean-up of sign-in state, run by every API process: expired sessions and idle throttle counters.
// Each run deletes in bounded batches (index-driven: sessions_expires_at_idx, auth_throttles_last_attempt_idx)
// and stops after MAX_BATCHES_PER_RUN, so a large backlog is worked off over several runs instead of holding
// locks for long. Several API processes may run it at once; each batch skips rows another one has locked.
import { sql } from 'drizzle-orm';
import type { AppContext } from '../context.js';
import type { DbOrTx } from '../db/pool.js';
import { startPeriodicJob, type PeriodicJob } from '../periodic-job.js';
import { purgeIdleThrottles } from './throttle.js';

export const HOUSEKEEPING_INTERVAL_MS = 10 * 60 * 1000;
/** The first run, shortly after start-up (not during it: migrations and the first requests come first). */
export const HOUSEKEEPING_FIRST_RUN_MS = 5_000;
const BATCH_ROWS = 1000;
const MAX_BATCHES_PER_RUN = 20;

/** Deletes up to `limit` sessions that have expired; returns how many. */
export async function purgeExpiredSessions(db: DbOrTx, limit: number): Promise<number> {
  const result = await db.execute(sql`
    DELETE FROM sessions WHERE token_hash IN (
      SELECT token_hash FROM sessions WHERE expires_at < now() ORDER BY expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)`);
  return result.rowCount ?? 0;
}

/** One run: expired sessions, then idle throttle counters, each at most MAX_BATCHES_PER_RUN × BATCH_ROWS. */
export async function runAuthHousekeeping(db: DbOrTx): Promise<{ sessions: number; throttles: number }> {
  const totals = { sessions: 0, throttles: 0 };
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
    const deleted = await purgeExpiredSessions(db, BATCH_ROWS);
    totals.sessions += deleted;
    if (deleted < BATCH_ROWS) break;
  }
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
    const deleted = await purgeIdleThrottles(db, BATCH_ROWS);
    totals.throttles += deleted;
    if (deleted < BATCH_ROWS) break;
  }
  return totals;
}

/** Starts the timer (unref'd: it never keeps the process alive). `stop` waits for a run in progress. */
export function startAuthHousekeeping(
  ctx: Pick<AppContext, 'db' | 'log'>,
  options: { intervalMs?: number; firstRunMs?: number } = {},
): PeriodicJob {
  return startPeriodicJob(
    () =>
      runAuthHousekeeping(ctx.db)
        .then((totals) => {
          if (totals.sessions + totals.throttles > 0) ctx.log.info(totals, 'expired sign-in state purged');
        })
        .catch((error: unknown) => ctx.log.warn({ err: error }, 'purging expired sign-in state failed; retrying at the next run')),
    { firstRunMs: options.firstRunMs ?? HOUSEKEEPING_FIRST_RUN_MS, intervalMs: options.intervalMs ?? HOUSEKEEPING_INTERVAL_MS },
  );
}
