// Expansion: a committed write's fan-out rows (webhook_delivery_fanout, one per event naming its webhooks, written
// by enqueue.ts in the write's transaction) become one delivery log row and one queue row per (event, webhook).
// One statement deletes the fan-out rows it takes and inserts their deliveries, so a row is expanded exactly once
// and a crash in between leaves it whole for the next try.
//
// Who expands: the delivery worker, woken by the write's notification (and on every poll), which inserts up to
// its free slots already claimed by itself and sends them at once with no claim statement; and every read of the
// delivery log, for its company first, so a reader never sees a write without its deliveries.
import { sql, type SQL } from 'drizzle-orm';
import type pg from 'pg';
import { arrayLiteral, dialect, type DbOrTx } from '../db/pool.js';
import { DELIVERY_CHANNEL } from './enqueue.js';
import { claimedDeliveryOf, FAILING_AFTER_MS, type ClaimedDelivery, type ClaimedRow } from './queue.js';

/** Free slots of a worker, for the rows an expansion inserts claimed by it (the caps of a claim, queue.ts). */
export interface ExpansionClaim {
  token: string;
  /** The worker's id, named in the notification when only rows at its own caps were left pending (atCapNotice). */
  workerId: string;
  /** Most rows inserted claimed. */
  limit: number;
  leaseMs: number;
  perWebhookCap: number;
  failingWebhookCap: number;
  perCompanyCap: number;
  busyByWebhook: ReadonlyMap<string, number>;
  busyByCompany: ReadonlyMap<string, number>;
}

export interface Expansion {
  /** Fan-out rows (events) expanded. */
  events: number;
  /** The deliveries inserted claimed by the worker, to send now. */
  claimed: ClaimedDelivery[];
}

/** The notification of an expansion that left only rows at the caps of worker `workerId` pending. */
export const atCapNotice = (workerId: string) => `c:${workerId}`;

/** Most events one worker expansion takes; a read takes its company's rows in batches of this many. */
export const EXPAND_EVENTS = 256;

/**
 * The worker's expansion: up to `limit` fan-out rows of any company, skipping rows another expansion holds.
 * With `claim`, up to its limit of the new rows are inserted claimed by that token (within the caps), the rest
 * pending; a notification then tells other workers when rows were left pending.
 */
export async function expandFanout(pool: pg.Pool, options: { limit?: number; claim?: ExpansionClaim | null } = {}): Promise<Expansion> {
  const claim = options.claim ?? null;
  const take = sql`SELECT ctid FROM webhook_delivery_fanout LIMIT ${options.limit ?? EXPAND_EVENTS} FOR UPDATE SKIP LOCKED`;
  // A named statement, as the claim's (queue.ts): parsed and planned once per connection (the worker's keep one
  // plan per statement, createWorkerPool), not on every call (a plan cost 0.6–1 ms, as much as expanding 20
  // events). The text is the same on every call of a variant; only values vary.
  const query = dialect.sqlToQuery(expansionSql(take, claim));
  const { rows } = await pool.query<ExpansionRow>({ name: claim ? 'expand-fanout-claimed' : 'expand-fanout', text: query.sql, values: query.params });
  return expansionOf(rows[0], claim);
}

/**
 * A read's expansion: every fan-out row of `companyId`, waiting for rows another expansion holds (it deletes
 * them: once it commits they are deliveries the read will see). Runs before any read of the delivery log.
 */
export async function expandCompanyFanout(db: DbOrTx, companyId: string): Promise<void> {
  // Nearly always there is nothing to expand (the workers are a moment ahead): one index probe answers that,
  // where the expansion statement would be planned first (0.6–1 ms on every read).
  const { rows } = await db.execute(sql`SELECT 1 FROM webhook_delivery_fanout WHERE company_id = ${companyId} LIMIT 1`);
  if (rows.length === 0) return;
  for (;;) {
    const { events } = await expand(
      db,
      sql`SELECT ctid FROM webhook_delivery_fanout WHERE company_id = ${companyId} LIMIT ${EXPAND_EVENTS} FOR UPDATE`,
      null,
    );
    if (events < EXPAND_EVENTS) return;
  }
}

async function expand(db: DbOrTx, take: SQL, claim: ExpansionClaim | null): Promise<Expansion> {
  const { rows } = await db.execute<ExpansionRow & Record<string, unknown>>(expansionSql(take, claim));
  return expansionOf(rows[0], claim);
}

interface ExpansionRow {
  events: number;
  claimed: ClaimedJsonRow[] | null;
}

function expansionOf(row: ExpansionRow | undefined, claim: ExpansionClaim | null): Expansion {
  return { events: row?.events ?? 0, claimed: (row?.claimed ?? []).map((r) => claimedDelivery(r, claim!.token)) };
}

function expansionSql(take: SQL, claim: ExpansionClaim | null): SQL {
  return sql`
    WITH taken AS MATERIALIZED (
      DELETE FROM webhook_delivery_fanout x
      -- The rows the take locked, by their physical address (ctid, stable while locked: fan-out rows are never
      -- updated after their write commits): a TID scan, where a join on the key was planned as a scan of the
      -- whole table, O(backlog) on every expansion.
      WHERE x.ctid = ANY (ARRAY(${take}))
      RETURNING x.*
    ),
    f AS MATERIALIZED (SELECT t.*, row_number() OVER (ORDER BY t.created_at, t.event_id) AS ord FROM taken t),
    pairs AS MATERIALIZED (
      SELECT uuid_v7() AS id, f.event_id, f.company_id, f.event AS name, f.entity_id, f.record_version, f.created_at, f.ord,
        u.webhook_id, u.url, w.id IS NOT NULL AS webhook_present,
        -- Per-record ordering (spec §13): the queue rows of such webhooks carry the record and its version
        -- (src/delivery/queue.ts), and are always left to the claim, which keeps the order.
        CASE WHEN w.ordering = 'per-record' AND f.record_version IS NOT NULL THEN f.record_version END AS order_version,
        coalesce(w.failing_since < now() - interval '${sql.raw(String(FAILING_AFTER_MS))} milliseconds', false) AS failing
      FROM f CROSS JOIN LATERAL unnest(f.webhook_ids) AS n(webhook_id)
      LEFT JOIN webhooks w ON w.id = n.webhook_id
      -- A webhook deleted since the write still gets its delivery, to one of the urls it had (webhook_urls keeps
      -- them), left to the claim, which records it failed with "webhook_deleted" as for any row queued before a
      -- deletion. Only a deleted company's rows have no url left: they are dropped with the company.
      CROSS JOIN LATERAL (
        SELECT n.webhook_id, coalesce(w.url, (SELECT min(wu.url) FROM webhook_urls wu WHERE wu.webhook_id = n.webhook_id)) AS url
      ) u
      WHERE u.url IS NOT NULL
    ),
    claim AS MATERIALIZED (${claim ? claimedPairs(claim) : sql`SELECT p.*, false AS claimed, false AS at_webhook_cap, NULL::timestamptz AS lease_expires_at FROM pairs p`}),
    -- Both inserts read the claim CTE (a join of one statement's CTEs has no index and can turn into a nested loop).
    inserted AS (
      INSERT INTO webhook_deliveries (id, company_id, webhook_id, event_id, event, entity_id, url, status, claim_token, lease_expires_at, claim_count, created_at)
      SELECT c.id, c.company_id, c.webhook_id, c.event_id, c.name, c.entity_id, c.url,
        CASE WHEN c.claimed THEN 'processing' ELSE 'pending' END,
        CASE WHEN c.claimed THEN ${claim?.token ?? null}::uuid END,
        c.lease_expires_at,
        CASE WHEN c.claimed THEN 1 ELSE 0 END,
        c.created_at
      FROM claim c
    ),
    queued AS (
      INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at, order_entity_id, order_version, claim_token, lease_expires_at)
      SELECT c.id, c.webhook_id, c.company_id, c.created_at, CASE WHEN c.order_version IS NOT NULL THEN c.entity_id END, c.order_version,
        CASE WHEN c.claimed THEN ${claim?.token ?? null}::uuid END, c.lease_expires_at
      FROM claim c
    ),
    -- Rows left pending wake the workers: all of them when a claim could take some now; when only rows of
    -- webhooks at this worker's caps were left, the others (their caps are their own), not this one, which
    -- claims them when one of those webhooks' requests ends.
    notified AS (
      SELECT pg_notify(${DELIVERY_CHANNEL}, CASE WHEN q.takeable > 0 THEN '' ELSE ${atCapNotice(claim?.workerId ?? '')} END)
      FROM (SELECT count(*) AS n, count(*) FILTER (WHERE NOT c.at_webhook_cap) AS takeable FROM claim c WHERE NOT c.claimed) AS q
      WHERE q.n > 0
    )
    SELECT (SELECT count(*) FROM taken)::int AS events,
      (SELECT count(*) FROM notified)::int AS notified,
      -- The claim's columns (queue.ts ClaimedRow), the ciphertexts in base64. A deleted webhook's row is never
      -- claimed here; one disabled since the write is recorded without being sent, as a claim's row would be.
      (SELECT json_agg(json_build_object('id', c.id, 'company_id', c.company_id, 'webhook_id', c.webhook_id, 'url', c.url,
          'event', c.name, 'event_id', c.event_id, 'record_version', c.record_version, 'attempt', 1,
          -- A lookup per row by the primary key (a join was planned as a hash over the whole events table).
          'body', (SELECT e.body FROM events e WHERE e.id = c.event_id),
          'secret_ciphertext', encode(w.secret_ciphertext, 'base64'),
          'previous_secret_ciphertext', CASE WHEN w.previous_secret_expires_at > now() THEN encode(w.previous_secret_ciphertext, 'base64') END,
          'headers_ciphertext', encode(w.headers_ciphertext, 'base64'), 'retry_policy', w.retry_policy,
          'webhook_missing', false, 'disabled_reason', w.disabled_reason, 'webhook_failing', coalesce(c.failing, false)) ORDER BY c.ord, c.webhook_id)
       FROM claim c JOIN webhooks w ON w.id = c.webhook_id WHERE c.claimed) AS claimed`;
}

/**
 * The pairs with what the expansion decides for each: `claimed` for the rows the worker takes — within its free
 * slots, per webhook (a failing one gets its lower cap) and per company, as a claim would — and their lease.
 * Counts are running counts in event order, so a webhook's or company's first rows are the ones taken.
 */
function claimedPairs(claim: ExpansionClaim): SQL {
  // Innermost first: which rows may be claimed at all (never a per-record webhook's: the claim keeps their order;
  // nor a deleted webhook's);
  // each webhook's running count against its cap; then the company's and the worker's running counts over the
  // rows still in (a webhook at its cap, e.g. a tarpit, takes none of them); then the decision and the lease.
  return sql`
    SELECT d.*, CASE WHEN d.claimed THEN clock_timestamp() + ${claim.leaseMs} * interval '1 millisecond' END AS lease_expires_at
    FROM (
      SELECT c.*, c.candidate AND c.company_slot <= ${claim.perCompanyCap}::int AND c.slot <= ${claim.limit}::int AS claimed
      FROM (
        SELECT w.*,
          count(*) FILTER (WHERE w.candidate) OVER (PARTITION BY w.company_id ORDER BY w.ord, w.webhook_id ROWS UNBOUNDED PRECEDING) + coalesce(bc.n, 0) AS company_slot,
          count(*) FILTER (WHERE w.candidate) OVER (ORDER BY w.ord, w.webhook_id ROWS UNBOUNDED PRECEDING) AS slot
        FROM (
          SELECT s.*, s.eligible AND NOT s.at_webhook_cap AS candidate
          FROM (
            SELECT p.*, p.order_version IS NULL AND p.webhook_present AS eligible,
              p.order_version IS NULL AND p.webhook_present AND count(*) FILTER (WHERE p.order_version IS NULL AND p.webhook_present) OVER (PARTITION BY p.webhook_id ORDER BY p.ord ROWS UNBOUNDED PRECEDING)
                + coalesce(bw.n, 0) > CASE WHEN p.failing THEN ${claim.failingWebhookCap}::int ELSE ${claim.perWebhookCap}::int END AS at_webhook_cap
            FROM pairs p
            LEFT JOIN unnest(${arrayLiteral(claim.busyByWebhook.keys())}::uuid[], ${arrayLiteral(claim.busyByWebhook.values())}::int[]) AS bw(id, n) ON bw.id = p.webhook_id
          ) s
        ) w
        LEFT JOIN unnest(${arrayLiteral(claim.busyByCompany.keys())}::uuid[], ${arrayLiteral(claim.busyByCompany.values())}::int[]) AS bc(id, n) ON bc.id = w.company_id
      ) c
    ) d`;
}

/** A claimed row of the expansion's JSON: the claim's row with its ciphertexts in base64. */
type ClaimedJsonRow = Omit<ClaimedRow, 'secret_ciphertext' | 'previous_secret_ciphertext' | 'headers_ciphertext'> & {
  secret_ciphertext: string | null;
  previous_secret_ciphertext: string | null;
  headers_ciphertext: string | null;
};

function claimedDelivery(row: ClaimedJsonRow, token: string): ClaimedDelivery {
  const bytes = (base64: string | null) => (base64 === null ? null : Buffer.from(base64, 'base64'));
  return claimedDeliveryOf(
    { ...row, secret_ciphertext: bytes(row.secret_ciphertext), previous_secret_ciphertext: bytes(row.previous_secret_ciphertext), headers_ciphertext: bytes(row.headers_ciphertext) },
    token,
  );
}
