// The delivery queue. Each statement is one autocommit round trip; no transaction is ever held open across an
// HTTP call. webhook_delivery_queue holds a row per pending or processing delivery: that is where claims look
// for work and where ownership lives (claim_token + an unexpired lease). The delivery log row
// (webhook_deliveries) mirrors the status, token and lease in unindexed columns, so its updates are HOT.
// Results are written only where the queue row still carries the worker's token, so a worker that stalled past
// its lease cannot overwrite the result of the worker that took the row over. Every statement locks queue rows
// before log rows.
// The claim and the result batch are named statements: PostgreSQL parses each once per connection instead of
// on every call, which was a third of its CPU per delivery (measured with bench/profile-delivery.ts). The
// worker's connections also keep one plan per statement, made for any values and made again whenever the queue's
// statistics change (src/db/pool.ts createWorkerPool), so the claim's plan must suit any values: its comment says
// what keeps parameters out of its scan of the queue.
// Statements that take a batch of the worker's own rows (results, heartbeats, releases) pass the ids a second
// time, as an array: the primary key then finds the rows, where a join with the batch alone was planned as a
// scan of the whole queue, O(backlog) per statement (test/delivery/queue-plans.test.ts).
// Automatic retries are queue rows too: the statement that records a failure inserts the retry (log row and
// queue row) with a not-before time (run_at), so a crash or restart loses none and no timer lives in memory.
import type pg from 'pg';
import type { DeliveryOutcome } from './sender.js';
import { durationHistogramSql } from '../ops/stats.js';

const STATS_HISTOGRAM_SQL = durationHistogramSql('r.duration_ms');

export interface ClaimedDelivery {
  id: string;
  companyId: string;
  webhookId: string;
  event: string;
  /** The event's id: the webhook-id header, the same for every delivery of the event. */
  eventId: string;
  url: string;
  body: string;
  secretCiphertext: Buffer | null;
  /** The secret a rotation replaced, only while its overlap lasts (spec §10). */
  previousSecretCiphertext: Buffer | null;
  /** The webhook's custom request headers, encrypted JSON (custom-headers.ts). */
  headersCiphertext: Buffer | null;
  /** The webhook was deleted after this delivery was queued: nothing is sent. */
  webhookMissing: boolean;
  /** The webhook was disabled after this delivery was queued (a race with the disable): nothing is sent. */
  disabledReason: 'manual' | 'gone' | 'failing' | null;
  retryPolicy: 'none' | 'exponential';
  /** 1 for the first delivery of an event; +1 per retry. */
  attempt: number;
  /** The event's record version (X-Webhook-Record-Version); null for events not about a record. */
  recordVersion: number | null;
  claimToken: string;
  /** The webhook was held to its failing cap (ClaimRequest.failingWebhookCap) when the row was taken. */
  webhookFailing: boolean;
}

export interface ClaimRequest {
  token: string;
  limit: number;
  leaseMs: number;
  perWebhookCap: number;
  /** The cap of a webhook whose deliveries have all failed for over FAILING_AFTER_MS (until one succeeds); perWebhookCap by default. */
  failingWebhookCap?: number;
  perCompanyCap: number;
  inFlightByWebhook: ReadonlyMap<string, number>;
  inFlightByCompany: ReadonlyMap<string, number>;
}

/**
 * A webhook whose deliveries have all failed for longer than this (failing_since, kept by recordOutcomes) is
 * held to ClaimRequest.failingWebhookCap until one succeeds: a receiver that fails everything, and the retries
 * it causes, get a few slots, not the CPU and database time of the healthy ones. A healthy webhook's occasional
 * failure is followed by a success within milliseconds and never reaches it.
 */
export const FAILING_AFTER_MS = 1_000;

/** Most webhooks one claim considers; chosen at random among those with pending rows and free slots. */
const WEBHOOKS_PER_CLAIM = 64;

/**
 * Claims up to `limit` pending deliveries whose not-before time has come, without exceeding any webhook's or
 * company's free slots, skipping rows other workers hold (SKIP LOCKED). Rows are taken per webhook — the
 * distinct webhooks with pending rows come from a skip scan of the pending index (webhook_id, run_at), each
 * kept only if its first row is due (one probe), then each gives its due rows in run_at order up to its free
 * slots, stopping at the first row still waiting — so neither a tarpit's backlog nor thousands of waiting
 * retries stand in front of other webhooks' rows or cost the claim more than a probe. Claiming a retry clears
 * next_attempt_at on the attempt before it. Returns the rows with their body and the webhook's current URL,
 * secret, state and retry policy.
 */
export async function claimDeliveries(pool: pg.Pool, claim: ClaimRequest): Promise<ClaimedDelivery[]> {
  const saturatedCompanies = [...claim.inFlightByCompany].filter(([, n]) => n >= claim.perCompanyCap).map(([id]) => id);
  const { rows } = await pool.query<ClaimedRow>({
    name: 'claim-deliveries',
    text: `WITH RECURSIVE pending_hooks AS (
       (SELECT q.webhook_id FROM webhook_delivery_queue q WHERE q.claim_token IS NULL ORDER BY q.webhook_id LIMIT 1)
       UNION ALL
       SELECT (SELECT q.webhook_id FROM webhook_delivery_queue q
               WHERE q.claim_token IS NULL AND q.webhook_id > h.webhook_id ORDER BY q.webhook_id LIMIT 1)
       FROM pending_hooks h WHERE h.webhook_id IS NOT NULL
     ),
     -- Each webhook's row, read once for its cap (a failing webhook gets the lower one) and its company. A
     -- deleted webhook's leftover rows get the normal cap; the claim records them failed (webhook_deleted).
     hooks AS (
       SELECT h.webhook_id, w.company_id,
         CASE WHEN w.failing_since < now() - interval '${FAILING_AFTER_MS} milliseconds' THEN $11::int ELSE $3::int END AS cap
       FROM pending_hooks h LEFT JOIN webhooks w ON w.id = h.webhook_id
       WHERE h.webhook_id IS NOT NULL
     ),
     open_hooks AS (
       SELECT h.webhook_id, least(h.cap - coalesce(busy.n, 0), $6::int) AS slots
       FROM hooks h LEFT JOIN unnest($1::uuid[], $2::int[]) AS busy(id, n) ON busy.id = h.webhook_id
       WHERE h.cap - coalesce(busy.n, 0) > 0
         -- A company at its cap is skipped by its webhooks (each belongs to one company), not row by row: a
         -- parameter among the queue scan's conditions made PostgreSQL estimate one row where a company has
         -- them all (any single-company install), and its plan for any values (the one the worker's connections
         -- use) sorted every pending row.
         AND NOT coalesce(h.company_id = ANY ($4::uuid[]), false)
         AND EXISTS (SELECT 1 FROM webhook_delivery_queue r
                     WHERE r.claim_token IS NULL AND r.webhook_id = h.webhook_id AND r.run_at <= now())
       ORDER BY random()
       LIMIT ${WEBHOOKS_PER_CLAIM}
     ),
     locked AS (
       SELECT c.* FROM open_hooks o CROSS JOIN LATERAL (
         SELECT q.delivery_id AS id, q.webhook_id, q.company_id, q.created_at
         FROM webhook_delivery_queue q
         WHERE q.claim_token IS NULL AND q.webhook_id = o.webhook_id AND q.run_at <= now()
           -- Per-record ordering (only rows of such webhooks carry order_version): the record's earliest queued
           -- row, by (version, delivery id), goes first; a later one waits while an earlier one is pending,
           -- processing or waiting for its retry. One index probe per row; other webhooks' rows skip it.
           AND (q.order_version IS NULL OR NOT EXISTS (
             SELECT 1 FROM webhook_delivery_queue e
             WHERE e.webhook_id = q.webhook_id AND e.order_entity_id = q.order_entity_id AND e.order_version IS NOT NULL
               AND (e.order_version, e.delivery_id) < (q.order_version, q.delivery_id)))
           -- ... and while a write's earlier version of the record is still a fan-out row (fanout.ts), not yet
           -- a queue row: expansions run side by side and may commit out of order.
           AND (q.order_version IS NULL OR NOT EXISTS (
             SELECT 1 FROM webhook_delivery_fanout f
             WHERE f.company_id = q.company_id AND f.entity_id = q.order_entity_id AND f.record_version < q.order_version
               AND q.webhook_id = ANY (f.webhook_ids)))
         ORDER BY q.run_at
         LIMIT o.slots
         FOR UPDATE SKIP LOCKED
       ) c
     ),
     by_company AS (
       SELECT l.*, row_number() OVER (PARTITION BY l.company_id ORDER BY l.created_at, l.id) + coalesce(busy.n, 0) AS company_slot
       FROM locked l LEFT JOIN unnest($7::uuid[], $8::int[]) AS busy(id, n) ON busy.id = l.company_id
     ),
     chosen AS (SELECT * FROM by_company WHERE company_slot <= $5::int ORDER BY created_at LIMIT $6::int),
     -- Left as a join with the CTE, which PostgreSQL plans as a scan of the queue once the table is analyzed.
     -- Versions that reached these rows by key or by address measured worse with a tarpit's backlog on
     -- PostgreSQL 15 (healthy deliveries waiting seconds in some rounds); the scan prunes the queue's pages as
     -- it passes, which may be what they missed. test/delivery/queue-plans.test.ts bounds only its per-record check.
     claimed AS (
       UPDATE webhook_delivery_queue q SET claim_token = $9, lease_expires_at = now() + $10 * interval '1 millisecond'
       FROM chosen c WHERE q.delivery_id = c.id
       RETURNING q.delivery_id, q.webhook_id, q.lease_expires_at, q.retry_of
     ),
     retry_started AS (
       UPDATE webhook_deliveries p SET next_attempt_at = NULL
       FROM claimed c WHERE p.id = c.retry_of AND p.next_attempt_at IS NOT NULL
     )
     UPDATE webhook_deliveries d
     SET status = 'processing', claim_token = $9, lease_expires_at = c.lease_expires_at,
         claim_count = d.claim_count + 1, url = coalesce(w.url, d.url)
     FROM claimed c LEFT JOIN webhooks w ON w.id = c.webhook_id, events e
     WHERE d.id = c.delivery_id AND e.id = d.event_id
     RETURNING d.id, d.company_id, d.webhook_id, d.event, d.event_id, d.url, d.attempt, e.body, e.record_version, w.secret_ciphertext,
       CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret_ciphertext END AS previous_secret_ciphertext,
       w.headers_ciphertext,
       -- A test event is sent to a disabled webhook too: an admin checks the receiver before enabling it again.
       (w.id IS NULL) AS webhook_missing, CASE WHEN d.trigger = 'test' THEN NULL ELSE w.disabled_reason END AS disabled_reason,
       coalesce(w.retry_policy, 'none') AS retry_policy,
       coalesce(w.failing_since < now() - interval '${FAILING_AFTER_MS} milliseconds', false) AS webhook_failing`,
    values: [
      [...claim.inFlightByWebhook.keys()],
      [...claim.inFlightByWebhook.values()],
      claim.perWebhookCap,
      saturatedCompanies,
      claim.perCompanyCap,
      claim.limit,
      [...claim.inFlightByCompany.keys()],
      [...claim.inFlightByCompany.values()],
      claim.token,
      claim.leaseMs,
      Math.min(claim.failingWebhookCap ?? claim.perWebhookCap, claim.perWebhookCap),
    ],
  });
  return rows.map((row) => claimedDeliveryOf(row, claim.token));
}

/** A claimed row as the claim returns it (and the expansion, fanout.ts, in the same names). */
export interface ClaimedRow {
  id: string;
  company_id: string;
  webhook_id: string;
  event: string;
  event_id: string;
  url: string;
  body: string;
  secret_ciphertext: Buffer | null;
  previous_secret_ciphertext: Buffer | null;
  headers_ciphertext: Buffer | null;
  webhook_missing: boolean;
  disabled_reason: ClaimedDelivery['disabledReason'];
  retry_policy: ClaimedDelivery['retryPolicy'];
  attempt: number;
  record_version: number | null;
  webhook_failing: boolean;
}

export function claimedDeliveryOf(row: ClaimedRow, token: string): ClaimedDelivery {
  return {
    id: row.id,
    companyId: row.company_id,
    webhookId: row.webhook_id,
    event: row.event,
    eventId: row.event_id,
    url: row.url,
    body: row.body,
    secretCiphertext: row.secret_ciphertext,
    previousSecretCiphertext: row.previous_secret_ciphertext,
    headersCiphertext: row.headers_ciphertext,
    webhookMissing: row.webhook_missing,
    disabledReason: row.disabled_reason,
    retryPolicy: row.retry_policy,
    attempt: row.attempt,
    recordVersion: row.record_version,
    claimToken: token,
    webhookFailing: row.webhook_failing,
  };
}

export interface RecordedOutcome {
  id: string;
  claimToken: string;
  outcome: DeliveryOutcome;
  /** Set for a failure to retry (retry-rule.ts): the retry is queued to run this many ms from now. */
  retryInMs?: number | null;
  /** Counts towards auto-disable: a success clears the webhook's failing streak, a receiver failure starts it. */
  health?: { webhookId: string; ok: boolean };
}

/**
 * Per webhook of a batch, in the order results arrived: "ok" (the last result succeeded), "reset" (a failure
 * after a success: failing from now) or "failing" (failures only: failing since the first, kept if already set).
 */
function webhookHealth(results: readonly RecordedOutcome[]): Map<string, 'ok' | 'reset' | 'failing'> {
  const states = new Map<string, 'ok' | 'reset' | 'failing'>();
  for (const { health } of results) {
    if (!health) continue;
    const before = states.get(health.webhookId);
    states.set(health.webhookId, health.ok ? 'ok' : before === 'ok' || before === 'reset' ? 'reset' : 'failing');
  }
  return states;
}

/**
 * Writes many results in one statement; returns how many rows this worker still owned (the rest are ignored).
 * In the same statement: a failure with `retryInMs` gets its retry — a new log row (trigger "retry", attempt
 * + 1, retry_of the failure) and its queue row with run_at = now + retryInMs, shown as next_attempt_at on the
 * failure — unless the webhook was meanwhile disabled, deleted or set to retryPolicy "none"; and each
 * webhook's failing_since is kept for auto-disable (written only when it changes), and each result is added to
 * its webhook's hourly health rollup.
 */
export async function recordOutcomes(pool: pg.Pool, results: readonly RecordedOutcome[]): Promise<number> {
  if (results.length === 0) return 0;
  const health = webhookHealth(results);
  const payload = results.map(({ id, claimToken, outcome, retryInMs }) => ({
    id,
    token: claimToken,
    status: outcome.status,
    status_code: outcome.statusCode,
    response_body: outcome.responseBody,
    error_kind: outcome.error?.kind ?? null,
    error_message: outcome.error?.message ?? null,
    duration_ms: outcome.durationMs,
    request_headers: outcome.requestHeaders,
    retry_in_ms: outcome.status === 'failed' && retryInMs != null ? Math.round(retryInMs) : null,
  }));
  // The queue row goes first (claims, releases and webhook deletion all lock queue rows before log rows, so
  // they never deadlock); only the rows whose queue entry still carries this worker's token are recorded.
  const result = await pool.query({
    name: 'record-outcomes',
    text: `WITH r AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, token uuid, status text, status_code int,
         response_body text, error_kind text, error_message text, duration_ms int, request_headers jsonb, retry_in_ms int)
     ),
     -- By the ids as an array too (the primary key; see the top of this file).
     owned AS (
       DELETE FROM webhook_delivery_queue q USING r
       WHERE q.delivery_id = ANY ($4::uuid[]) AND q.delivery_id = r.id AND q.claim_token = r.token
       RETURNING q.delivery_id, q.webhook_id, q.order_entity_id, q.order_version
     ),
     -- The hourly health rollup (src/ops/stats.ts): one row per webhook of the batch, locked in webhook order
     -- so two workers' batches never wait on each other in a cycle.
     stats AS (
       INSERT INTO webhook_delivery_stats AS s (webhook_id, hour, success, failed, durations)
       SELECT o.webhook_id, date_trunc('hour', now(), 'UTC'), count(*) FILTER (WHERE r.status = 'success'),
              count(*) FILTER (WHERE r.status = 'failed'), ${STATS_HISTOGRAM_SQL}
       FROM owned o JOIN r ON r.id = o.delivery_id GROUP BY o.webhook_id ORDER BY o.webhook_id
       ON CONFLICT (webhook_id, hour) DO UPDATE
       SET success = s.success + excluded.success, failed = s.failed + excluded.failed,
           durations = ARRAY(SELECT a + b FROM unnest(s.durations, excluded.durations) WITH ORDINALITY AS t(a, b, i) ORDER BY i)
     ),
     retry AS (
       SELECT uuid_v7() AS id, d.id AS retry_of, d.company_id, d.webhook_id, d.event_id, d.event, d.entity_id,
              w.url, d.attempt + 1 AS attempt, now() + r.retry_in_ms * interval '1 millisecond' AS run_at,
              d.backfill_id, o.order_entity_id, o.order_version
       FROM owned o JOIN r ON r.id = o.delivery_id JOIN webhook_deliveries d ON d.id = o.delivery_id
       JOIN webhooks w ON w.id = d.webhook_id
       WHERE r.retry_in_ms IS NOT NULL AND w.enabled AND w.retry_policy = 'exponential'
     ),
     retry_logged AS (
       INSERT INTO webhook_deliveries (id, company_id, webhook_id, event_id, event, entity_id, url, trigger, attempt, retry_of, backfill_id)
       SELECT id, company_id, webhook_id, event_id, event, entity_id, url, 'retry', attempt, retry_of, backfill_id FROM retry
     ),
     retry_queued AS (
       -- A retry keeps its place in its record's order (per-record ordering): later events still wait for it.
       INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at, run_at, retry_of, order_entity_id, order_version)
       SELECT id, webhook_id, company_id, now(), run_at, retry_of, order_entity_id, order_version FROM retry
     ),
     health AS (
       UPDATE webhooks w
       SET failing_since = CASE h.state WHEN 'ok' THEN NULL WHEN 'reset' THEN now() ELSE coalesce(w.failing_since, now()) END
       FROM unnest($2::uuid[], $3::text[]) AS h(id, state)
       WHERE w.id = h.id
         AND CASE h.state WHEN 'ok' THEN w.failing_since IS NOT NULL WHEN 'reset' THEN true ELSE w.failing_since IS NULL END
     )
     UPDATE webhook_deliveries d
     SET status = r.status, status_code = r.status_code, response_body = r.response_body, error_kind = r.error_kind,
         error_message = r.error_message, duration_ms = r.duration_ms, request_headers = r.request_headers,
         completed_at = now(), claim_token = NULL, lease_expires_at = NULL, next_attempt_at = retry.run_at
     FROM owned o JOIN r ON r.id = o.delivery_id LEFT JOIN retry ON retry.retry_of = o.delivery_id
     WHERE d.id = o.delivery_id`,
    values: [JSON.stringify(payload), [...health.keys()], [...health.values()], results.map((result) => result.id)],
  });
  return result.rowCount ?? 0;
}

/** Puts claims this worker will not finish back to pending (graceful stop). */
export async function releaseClaims(pool: pg.Pool, claims: ReadonlyArray<{ id: string; claimToken: string }>): Promise<number> {
  if (claims.length === 0) return 0;
  const result = await pool.query(
    `WITH released AS (
       UPDATE webhook_delivery_queue q SET claim_token = NULL, lease_expires_at = NULL
       FROM unnest($1::uuid[], $2::uuid[]) AS r(id, token)
       WHERE q.delivery_id = ANY ($1::uuid[]) AND q.delivery_id = r.id AND q.claim_token = r.token
       RETURNING q.delivery_id
     )
     UPDATE webhook_deliveries d SET status = 'pending', claim_token = NULL, lease_expires_at = NULL
     FROM released r WHERE d.id = r.delivery_id`,
    [claims.map((c) => c.id), claims.map((c) => c.claimToken)],
  );
  return result.rowCount ?? 0;
}

/**
 * Returns rows whose lease expired (their worker died or stalled) to pending, so any worker claims them again,
 * and drops expired queue rows whose delivery no longer exists (deleted with its company).
 *
 * Rows another statement holds are skipped (SKIP LOCKED), never waited for: a result batch still recording rows
 * whose lease ran out meanwhile (it waited on a lock for longer than the lease) locks them one by one in its own
 * order, and a reaper taking the same rows in lease order deadlocked with it under load. A row skipped now is
 * released by the next poll if its result never lands.
 */
export async function releaseExpiredLeases(pool: pg.Pool): Promise<number> {
  const result = await pool.query(
    `WITH due AS (
       SELECT q.delivery_id FROM webhook_delivery_queue q
       WHERE q.claim_token IS NOT NULL AND q.lease_expires_at < now()
       FOR UPDATE SKIP LOCKED
     ),
     -- By the ids as an array (the primary key; see the top of this file).
     expired AS (
       UPDATE webhook_delivery_queue q SET claim_token = NULL, lease_expires_at = NULL
       WHERE q.delivery_id = ANY (ARRAY(SELECT delivery_id FROM due))
         AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id = q.delivery_id)
       RETURNING q.delivery_id
     ),
     orphaned AS (
       DELETE FROM webhook_delivery_queue q
       WHERE q.delivery_id = ANY (ARRAY(SELECT delivery_id FROM due))
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id = q.delivery_id)
     )
     UPDATE webhook_deliveries d SET status = 'pending', claim_token = NULL, lease_expires_at = NULL
     FROM expired e WHERE d.id = e.delivery_id`,
  );
  return result.rowCount ?? 0;
}

/**
 * The heartbeat: pushes the lease of every claim this worker still holds to now + leaseMs, in one statement
 * for all of them. Only rows still carrying the claim's token are touched, so a heartbeat that comes too late
 * (the lease expired and another worker took the row) renews nothing of the new claimant's. Only the queue row
 * holds the live lease; the log row keeps the lease its claim was given. Returns how many rows were renewed.
 */
export async function renewLeases(pool: pg.Pool, claims: ReadonlyArray<{ id: string; claimToken: string }>, leaseMs: number): Promise<number> {
  if (claims.length === 0) return 0;
  const result = await pool.query(
    `UPDATE webhook_delivery_queue q SET lease_expires_at = now() + $3 * interval '1 millisecond'
     FROM unnest($1::uuid[], $2::uuid[]) AS r(id, token)
     WHERE q.delivery_id = ANY ($1::uuid[]) AND q.delivery_id = r.id AND q.claim_token = r.token`,
    [claims.map((c) => c.id), claims.map((c) => c.claimToken), leaseMs],
  );
  return result.rowCount ?? 0;
}
