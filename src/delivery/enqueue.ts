// Fan-out from the outbox to the delivery queue, inside the write's transaction: one statement creates a pending
// delivery per (event, enabled webhook of its company subscribed to it) in the log and its entry in
// webhook_delivery_queue (where workers look for work), then pg_notify
// wakes the workers — PostgreSQL delivers the notification only on commit, so a rolled-back write wakes nobody
// and leaves no delivery behind. Workers also poll, so a lost notification delays but never loses work.
// When the writing process runs a worker with free slots, the same statement inserts up to that many rows
// already claimed by it and returns what sending them needs: the worker sends them once the write's
// notification says it committed, with no claim statement (direct dispatch, dispatch.ts).
//
// Webhooks with a filter (spec §13) are left out of that statement, which returns them instead: their filters
// are evaluated here in JS against the payloads the write already holds, and only the matching pairs get rows,
// in a second statement run only when something matched. A write that no filtered webhook wants therefore
// costs the same single statement as before.
import { sql, type SQL } from 'drizzle-orm';
import { arrayLiteral, type Tx } from '../db/pool.js';
import type { PublishedEvent } from '../events/publish.js';
import { matchesFilter, toFilterEvent } from '../webhooks/filter/evaluate.js';
import type { FilterNode } from '../webhooks/filter/parse.js';
import { localDispatcherFor, type DispatchReservation } from './dispatch.js';
import { FAILING_AFTER_MS, type ClaimedDelivery } from './queue.js';

export const DELIVERY_CHANNEL = 'webhook_deliveries';

interface FilteredWebhook {
  id: string;
  company_id: string;
  url: string;
  events: string[];
  filter: FilterNode;
  ordering: 'none' | 'per-record';
}

export async function enqueueDeliveries(tx: Tx, events: readonly PublishedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = JSON.stringify(events.map((e, ord) => ({ id: e.id, company_id: e.companyId, name: e.name, entity_id: e.entityId, record_version: e.recordVersion, ord })));
  // Direct dispatch (dispatch.ts): up to the local worker's free slots are inserted claimed by it.
  const dispatcher = localDispatcherFor(tx);
  const reservation = dispatcher?.reserve() ?? null;
  let claims: ClaimedDelivery[] = [];
  try {
    const result = await tx.execute<{ filtered: FilteredWebhook[] | null; claimed: DispatchedRow[] | null }>(sql`
      WITH e AS MATERIALIZED (
        SELECT * FROM jsonb_to_recordset(${rows}::jsonb) AS e(id uuid, company_id uuid, name text, entity_id uuid, record_version int, ord int)
      ),
      pairs AS MATERIALIZED (
        SELECT gen_random_uuid() AS id, e.id AS event_id, e.company_id, e.name, e.entity_id, e.ord, w.id AS webhook_id, w.url,
          -- Per-record ordering (spec §13): the queue rows of such webhooks carry the record and its version
          -- (src/delivery/queue.ts), and are always left to the claim, which keeps the order.
          CASE WHEN w.ordering = 'per-record' AND e.record_version IS NOT NULL THEN e.record_version END AS order_version,
          w.failing_since < now() - interval '${sql.raw(String(FAILING_AFTER_MS))} milliseconds' AS failing
        FROM e JOIN webhooks w ON w.company_id = e.company_id AND w.enabled AND e.name = ANY (w.events) AND w.filter IS NULL
      ),
      claim AS MATERIALIZED (${reservation ? dispatchedPairs(reservation) : sql`SELECT p.*, false AS claimed, false AS at_webhook_cap, NULL::timestamptz AS lease_expires_at FROM pairs p`}),
      -- Both inserts read the pairs (a join of one statement's CTEs has no index and can turn into a nested loop).
      inserted AS (
        INSERT INTO webhook_deliveries (id, company_id, webhook_id, event_id, event, entity_id, url, status, claim_token, lease_expires_at, claim_count)
        SELECT c.id, c.company_id, c.webhook_id, c.event_id, c.name, c.entity_id, c.url,
          CASE WHEN c.claimed THEN 'processing' ELSE 'pending' END,
          CASE WHEN c.claimed THEN ${reservation?.token ?? null}::uuid END,
          c.lease_expires_at,
          CASE WHEN c.claimed THEN 1 ELSE 0 END
        FROM claim c
      ),
      queued AS (
        INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at, order_entity_id, order_version, claim_token, lease_expires_at)
        SELECT c.id, c.webhook_id, c.company_id, now(), CASE WHEN c.order_version IS NOT NULL THEN c.entity_id END, c.order_version,
          CASE WHEN c.claimed THEN ${reservation?.token ?? null}::uuid END, c.lease_expires_at
        FROM claim c
        RETURNING claim_token
      ),
      -- The payload (dispatch.ts): the reservation, and whether rows were left pending (1), only rows of webhooks
      -- at the local worker's cap (2: it takes those when a slot frees, other workers may now), or none (0).
      notified AS (
        SELECT pg_notify(${DELIVERY_CHANNEL},
          CASE WHEN q.claimed > 0 THEN 'd:' || ${reservation?.token ?? ''} || ':' ||
            CASE WHEN q.n = q.claimed THEN '0' WHEN q.takeable > 0 THEN '1' ELSE '2' END ELSE '' END)
        FROM (SELECT count(*) AS n, count(*) FILTER (WHERE c.claimed) AS claimed,
                     count(*) FILTER (WHERE NOT c.claimed AND NOT c.at_webhook_cap) AS takeable
              FROM claim c) AS q
        WHERE q.n > 0 AND EXISTS (SELECT 1 FROM queued)
      )
      SELECT (SELECT count(*) FROM notified) AS notified,
        (SELECT jsonb_agg(jsonb_build_object('id', w.id, 'company_id', w.company_id, 'url', w.url, 'events', w.events, 'filter', w.filter, 'ordering', w.ordering))
         FROM webhooks w
         WHERE w.company_id IN (SELECT DISTINCT company_id FROM e) AND w.enabled AND w.filter IS NOT NULL) AS filtered,
        (SELECT json_agg(json_build_object('id', c.id, 'ord', c.ord, 'webhook_id', c.webhook_id, 'url', c.url,
            'secret', encode(w.secret_ciphertext, 'base64'),
            'previous_secret', CASE WHEN w.previous_secret_expires_at > now() THEN encode(w.previous_secret_ciphertext, 'base64') END,
            'headers', encode(w.headers_ciphertext, 'base64'), 'retry_policy', w.retry_policy, 'failing', coalesce(c.failing, false)))
         FROM claim c JOIN webhooks w ON w.id = c.webhook_id WHERE c.claimed) AS claimed`);
    const { filtered, claimed } = result.rows[0] ?? {};
    if (reservation && claimed?.length) claims = claimed.map((row) => dispatchedClaim(row, events[row.ord]!, reservation.token));
    if (filtered?.length) await enqueueFilteredDeliveries(tx, events, rows, filtered);
  } finally {
    if (reservation) dispatcher!.settle(reservation, claims);
  }
}

/**
 * The pairs with what direct dispatch decides for each: `claimed` for the rows the local worker takes — within
 * its free slots, per webhook (a failing one gets its lower cap) and per company, as a claim would — and their
 * lease, from clock_timestamp() (the lease runs from now, not from the start of the transaction). Counts are
 * running counts in event order, so a webhook's or company's first rows are the ones taken.
 */
function dispatchedPairs(reservation: DispatchReservation): SQL {
  // Innermost first: which rows may be dispatched at all; each webhook's running count against its cap; then
  // the company's and the worker's running counts over the rows still in (a webhook at its cap, e.g. a tarpit,
  // takes none of them); then the decision and the lease.
  return sql`
    SELECT d.*, CASE WHEN d.claimed THEN clock_timestamp() + ${reservation.leaseMs} * interval '1 millisecond' END AS lease_expires_at
    FROM (
      SELECT c.*, c.candidate AND c.company_slot <= ${reservation.perCompanyCap}::int AND c.slot <= ${reservation.limit}::int AS claimed
      FROM (
        SELECT w.*,
          count(*) FILTER (WHERE w.candidate) OVER (PARTITION BY w.company_id ORDER BY w.ord, w.webhook_id ROWS UNBOUNDED PRECEDING) + coalesce(bc.n, 0) AS company_slot,
          count(*) FILTER (WHERE w.candidate) OVER (ORDER BY w.ord, w.webhook_id ROWS UNBOUNDED PRECEDING) AS slot
        FROM (
          SELECT s.*, s.eligible AND NOT s.at_webhook_cap AS candidate
          FROM (
            SELECT p.*, e.eligible, e.eligible AND count(*) FILTER (WHERE e.eligible) OVER (PARTITION BY p.webhook_id ORDER BY p.ord ROWS UNBOUNDED PRECEDING)
                + coalesce(bw.n, 0) > CASE WHEN p.failing THEN ${reservation.failingWebhookCap}::int ELSE ${reservation.perWebhookCap}::int END AS at_webhook_cap
            FROM pairs p
            CROSS JOIN LATERAL (
              -- Never a per-record webhook's row, nor in a transaction that has already run for a sixth of the
              -- lease (an import): it would likely commit too late to be sent directly, holding the slots meanwhile.
              SELECT p.order_version IS NULL AND clock_timestamp() - now() < ${reservation.leaseMs} / 6 * interval '1 millisecond' AS eligible
            ) e
            LEFT JOIN unnest(${arrayLiteral(reservation.busyByWebhook.keys())}::uuid[], ${arrayLiteral(reservation.busyByWebhook.values())}::int[]) AS bw(id, n) ON bw.id = p.webhook_id
          ) s
        ) w
        LEFT JOIN unnest(${arrayLiteral(reservation.busyByCompany.keys())}::uuid[], ${arrayLiteral(reservation.busyByCompany.values())}::int[]) AS bc(id, n) ON bc.id = w.company_id
      ) c
    ) d`;
}

interface DispatchedRow {
  id: string;
  ord: number;
  webhook_id: string;
  url: string;
  secret: string | null;
  previous_secret: string | null;
  headers: string | null;
  retry_policy: 'none' | 'exponential';
  failing: boolean;
}

function dispatchedClaim(row: DispatchedRow, event: PublishedEvent, token: string): ClaimedDelivery {
  const bytes = (base64: string | null) => (base64 === null ? null : Buffer.from(base64, 'base64'));
  return {
    id: row.id,
    companyId: event.companyId,
    webhookId: row.webhook_id,
    event: event.name,
    eventId: event.id,
    url: row.url,
    body: event.body,
    secretCiphertext: bytes(row.secret),
    previousSecretCiphertext: bytes(row.previous_secret),
    headersCiphertext: bytes(row.headers),
    webhookMissing: false,
    disabledReason: null,
    retryPolicy: row.retry_policy,
    attempt: 1,
    recordVersion: event.recordVersion,
    claimToken: token,
    webhookFailing: row.failing,
  };
}


/**
 * The pairs (event, filtered webhook) whose filter matches the event's payload, written like the unfiltered ones.
 * Only two id arrays travel (the events' columns come from the same JSON as the first statement), so a bulk
 * write of 100 events × 10 webhooks sends ~75 KB, not a row of text per pair.
 */
async function enqueueFilteredDeliveries(tx: Tx, events: readonly PublishedEvent[], rows: string, webhooks: readonly FilteredWebhook[]): Promise<void> {
  const eventIds: string[] = [];
  const webhookIds: string[] = [];
  for (const event of events) {
    const subscribed = webhooks.filter((w) => w.company_id === event.companyId && w.events.includes(event.name));
    if (subscribed.length === 0) continue;
    const view = event.payload ? toFilterEvent(event.name, event.payload) : null;
    // An event the filter cannot read (not about a record) never matches a filter.
    if (!view) continue;
    for (const webhook of subscribed) {
      if (matchesFilter(webhook.filter, view)) {
        eventIds.push(event.id);
        webhookIds.push(webhook.id);
      }
    }
  }
  if (eventIds.length === 0) return;
  // Both inserts read the materialized pairs, as in the unfiltered statement (no join between CTEs).
  await tx.execute(sql`
    WITH pairs AS MATERIALIZED (
      SELECT gen_random_uuid() AS id, e.company_id, w.id AS webhook_id, e.id AS event_id, e.name, e.entity_id, w.url,
        -- Per-record webhooks' queue rows carry the record and its version, as in the unfiltered statement.
        CASE WHEN w.ordering = 'per-record' AND e.record_version IS NOT NULL THEN e.record_version END AS order_version
      FROM unnest(${arrayLiteral(eventIds)}::uuid[], ${arrayLiteral(webhookIds)}::uuid[]) AS p(event_id, webhook_id)
      JOIN jsonb_to_recordset(${rows}::jsonb) AS e(id uuid, company_id uuid, name text, entity_id uuid, record_version int) ON e.id = p.event_id
      JOIN webhooks w ON w.id = p.webhook_id AND w.company_id = e.company_id
    ),
    inserted AS (
      INSERT INTO webhook_deliveries (id, company_id, webhook_id, event_id, event, entity_id, url)
      SELECT id, company_id, webhook_id, event_id, name, entity_id, url FROM pairs
    ),
    queued AS (
      INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at, order_entity_id, order_version)
      SELECT id, webhook_id, company_id, now(), CASE WHEN order_version IS NOT NULL THEN entity_id END, order_version FROM pairs
      RETURNING 1
    )
    SELECT pg_notify(${DELIVERY_CHANNEL}, '') FROM (SELECT count(*) AS n FROM queued) AS c WHERE c.n > 0`);
}
