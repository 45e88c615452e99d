// Recover (spec §9): after a receiver outage, queue one new delivery for every event of a time window that this
// webhook never received. An event qualifies when it has at least one delivery to the webhook and every one of
// them failed — so its latest delivery failed and nothing successful, pending, processing or waiting for a
// retry exists. Each new delivery has `trigger: "recover"` and `resendOf` = that latest failed delivery, and
// sends the event's stored bytes (events.body) like every other delivery.
//
// Running it twice queues nothing twice: the call locks the webhook row first (FOR NO KEY UPDATE), so a second
// call waits until the first commits and then sees its pending rows, which disqualify those events. The new
// rows and their queue entries are written, and the workers notified, in one transaction.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { requireAdmin } from '../auth/principal.js';
import type { Db } from '../db/pool.js';
import { AppError, notFound, validationError } from '../errors.js';
import { TEST_EVENT_NAME } from '../events/catalog.js';
import { storableDateTime } from '../validation.js';
import { DELIVERY_CHANNEL } from './enqueue.js';

/** Most deliveries one call queues; the answer's `hasMore` says when more events qualify (call again). */
export const RECOVER_MAX_PER_CALL = 10_000;
export const RECOVER_MAX_WINDOW_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Deliveries are read from this long before `since`: an event's time is taken at the end of its write and its
 * deliveries' at the start of the write's transaction (by the database clock), so they can precede it slightly.
 * A day covers any transaction and any clock drift between the application and the database.
 */
const DELIVERY_LOOKBACK = '1 day';

const IsoTime = (what: string) => storableDateTime().describe(what);

export const RecoverInput = z.strictObject({
  since: IsoTime('start of the window (inclusive), by event time'),
  until: IsoTime('end of the window (exclusive), by event time; default now').optional(),
  dryRun: z.boolean({ error: 'must be true or false' }).optional().describe('only count the events that would be re-sent; queue nothing'),
});
export type RecoverInput = z.input<typeof RecoverInput>;

export const RecoverResultSchema = z.object({
  count: z.number().int().describe('events re-sent (or, with dryRun, that would be): at most 10000 per call'),
  hasMore: z.boolean().describe('true when more events of the window qualify than this call took: call again (after a dry run: the count is "10000+")'),
  dryRun: z.boolean(),
});
export type RecoverResult = z.infer<typeof RecoverResultSchema>;

export interface RecoverContext {
  db: Db;
}

/** The window as dates, checked: since before until, at most 30 days. `now` is the default `until`. */
export function recoverWindow(input: { since: string; until?: string }, now = new Date()): { since: Date; until: Date } {
  const since = new Date(input.since);
  const until = input.until === undefined ? now : new Date(input.until);
  if (since.getTime() >= until.getTime()) {
    const what = input.until === undefined ? `now (${until.toISOString()}), the default until` : `until (${until.toISOString()})`;
    throw validationError('since', `must be before ${what}; got ${since.toISOString()}`);
  }
  const days = (until.getTime() - since.getTime()) / DAY_MS;
  if (days > RECOVER_MAX_WINDOW_DAYS) {
    throw validationError('since', `the window from since to until must be at most ${RECOVER_MAX_WINDOW_DAYS} days; got ${days.toFixed(1)} days (recover a long outage in several calls)`);
  }
  return { since, until };
}

export async function recoverDeliveries(ctx: RecoverContext, principal: Principal, webhookId: string, input: RecoverInput): Promise<RecoverResult> {
  requireAdmin(principal, 'recover webhook deliveries');
  const parsed = RecoverInput.parse(input);
  const { since, until } = recoverWindow(parsed);
  const dryRun = parsed.dryRun === true;
  return ctx.db.transaction(async (tx) => {
    const locked = await tx.execute<{ id: string; url: string; enabled: boolean }>(sql`
      SELECT id, url, enabled FROM webhooks WHERE id = ${webhookId} AND company_id = ${principal.companyId}
      ${dryRun ? sql`` : sql`FOR NO KEY UPDATE`}`);
    const webhook = locked.rows[0];
    if (!webhook) throw notFound('webhook', webhookId);
    if (!dryRun && !webhook.enabled) {
      throw new AppError('conflict', `cannot recover deliveries of webhook ${webhookId}: it is disabled; enable it first (PATCH /webhooks/${webhookId} {"enabled": true}); a dry run counts them meanwhile`);
    }
    // Grouping the webhook's deliveries since the window's start (its (webhook_id, created_at) index) finds the
    // events it ever got; only those whose every delivery failed, and that fall into the window, qualify. The
    // plan is fixed on purpose (the grouping materialized once, then one primary-key probe of events per group, the window checked after):
    // right after a burst of writes the statistics are stale, and the planner's own choice re-ran the grouping
    // for every event (75 s instead of 0.1 s for 10,000 events).
    const candidates = sql`
      WITH per_event AS MATERIALIZED (
        SELECT d.event_id,
               (array_agg(d.id ORDER BY d.created_at DESC, d.id DESC))[1] AS latest_id,
               bool_and(d.status = 'failed' AND d.next_attempt_at IS NULL) AS all_failed
        FROM webhook_deliveries d
        WHERE d.webhook_id = ${webhookId} AND d.created_at >= ${since.toISOString()}::timestamptz - interval '${sql.raw(DELIVERY_LOOKBACK)}'
        GROUP BY d.event_id
      )
      SELECT p.event_id, p.latest_id, e.name, e.entity_id, e.created_at AS event_at
      FROM per_event p CROSS JOIN LATERAL (
        -- Only the id inside (the LIMIT keeps the other conditions out), so the probe is the primary key.
        SELECT e.name, e.entity_id, e.created_at, e.company_id FROM events e WHERE e.id = p.event_id LIMIT 1
      ) e
      WHERE p.all_failed AND e.company_id = ${principal.companyId} AND e.name <> ${TEST_EVENT_NAME}
        AND e.created_at >= ${since.toISOString()} AND e.created_at < ${until.toISOString()}
        AND NOT EXISTS (SELECT 1 FROM webhook_delivery_queue q WHERE q.delivery_id = p.latest_id)
      ORDER BY e.created_at, p.event_id
      LIMIT ${RECOVER_MAX_PER_CALL + 1}`;
    if (dryRun) {
      const counted = await tx.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM (${candidates}) c`);
      const n = counted.rows[0]?.n ?? 0;
      return { count: Math.min(n, RECOVER_MAX_PER_CALL), hasMore: n > RECOVER_MAX_PER_CALL, dryRun };
    }
    const result = await tx.execute<{ queued: number; found: number }>(sql`
      WITH found AS (${candidates}),
      chosen AS (SELECT * FROM found ORDER BY event_at, event_id LIMIT ${RECOVER_MAX_PER_CALL}),
      inserted AS (
        INSERT INTO webhook_deliveries (company_id, webhook_id, event_id, event, entity_id, url, trigger, resend_of)
        SELECT ${principal.companyId}, ${webhookId}, c.event_id, c.name, c.entity_id, ${webhook.url}, 'recover', c.latest_id
        FROM chosen c
        RETURNING id, webhook_id, company_id, created_at
      ),
      queued AS (
        INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at)
        SELECT id, webhook_id, company_id, created_at FROM inserted
        RETURNING 1
      )
      SELECT (SELECT count(*)::int FROM queued) AS queued, (SELECT count(*)::int FROM found) AS found`);
    const { queued = 0, found = 0 } = result.rows[0] ?? {};
    if (queued > 0) await tx.execute(sql`SELECT pg_notify(${DELIVERY_CHANNEL}, '')`);
    return { count: queued, hasMore: found > RECOVER_MAX_PER_CALL, dryRun };
  });
}
