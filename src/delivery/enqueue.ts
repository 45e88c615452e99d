// Fan-out inside the write's transaction: one row per event in webhook_delivery_fanout naming the enabled
// webhooks of its company subscribed to it — the write's deliveries, decided and committed with it — then
// pg_notify wakes the workers. PostgreSQL delivers the notification only on commit, so a rolled-back write wakes
// nobody and leaves no delivery behind. A worker turns each row into its delivery log and queue rows right after
// the commit, sending those it takes at once (fanout.ts); every read of the log does it first for its company.
// Workers also poll, so a lost notification delays but never loses work.
//
// Why not the delivery rows themselves: a bulk write of 100 events to 10 webhooks would insert 1,000 log rows
// (six indexes each) and 1,000 queue rows inside the write, which made it 2.8× as slow as with no webhook.
//
// Webhooks with a filter (spec §13) are left out of that statement, which returns them instead: their filters
// are evaluated here in JS against the payloads the write already holds, and only the matching pairs are added,
// in a second statement run only when something matched. A write that no filtered webhook wants therefore
// costs the same single statement as before.
import { sql } from 'drizzle-orm';
import { arrayLiteral, type Tx } from '../db/pool.js';
import type { PublishedEvent } from '../events/publish.js';
import { matchesFilter, toFilterEvent } from '../webhooks/filter/evaluate.js';
import type { FilterNode } from '../webhooks/filter/parse.js';

export const DELIVERY_CHANNEL = 'webhook_deliveries';

interface FilteredWebhook {
  id: string;
  company_id: string;
  events: string[];
  filter: FilterNode;
}

export async function enqueueDeliveries(tx: Tx, events: readonly PublishedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = JSON.stringify(events.map((e) => ({ id: e.id, company_id: e.companyId, name: e.name, entity_id: e.entityId, record_version: e.recordVersion })));
  const result = await tx.execute<{ filtered: FilteredWebhook[] | null }>(sql`
    WITH e AS MATERIALIZED (
      SELECT * FROM jsonb_to_recordset(${rows}::jsonb) AS e(id uuid, company_id uuid, name text, entity_id uuid, record_version int)
    ),
    fanned AS (
      INSERT INTO webhook_delivery_fanout (company_id, event_id, event, entity_id, record_version, webhook_ids, created_at)
      SELECT e.company_id, e.id, e.name, e.entity_id, e.record_version, array_agg(w.id), now()
      FROM e JOIN webhooks w ON w.company_id = e.company_id AND w.enabled AND e.name = ANY (w.events) AND w.filter IS NULL
      GROUP BY e.company_id, e.id, e.name, e.entity_id, e.record_version
      RETURNING 1
    ),
    notified AS (
      SELECT pg_notify(${DELIVERY_CHANNEL}, ${FANOUT_NOTICE}) FROM (SELECT count(*) AS n FROM fanned) AS f WHERE f.n > 0
    )
    SELECT (SELECT count(*) FROM notified) AS notified,
      (SELECT jsonb_agg(jsonb_build_object('id', w.id, 'company_id', w.company_id, 'events', w.events, 'filter', w.filter))
       FROM webhooks w
       WHERE w.company_id IN (SELECT DISTINCT company_id FROM e) AND w.enabled AND w.filter IS NOT NULL) AS filtered`);
  const filtered = result.rows[0]?.filtered;
  if (filtered?.length) await enqueueFilteredDeliveries(tx, events, rows, filtered);
}

/** The notification of a write's fan-out rows: the workers expand them (fanout.ts) before they claim. */
export const FANOUT_NOTICE = 'f';

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
  // A row per event, or the event's webhooks appended to the row the first statement wrote for it.
  await tx.execute(sql`
    WITH fanned AS (
      INSERT INTO webhook_delivery_fanout (company_id, event_id, event, entity_id, record_version, webhook_ids, created_at)
      SELECT e.company_id, e.id, e.name, e.entity_id, e.record_version, array_agg(p.webhook_id), now()
      FROM unnest(${arrayLiteral(eventIds)}::uuid[], ${arrayLiteral(webhookIds)}::uuid[]) AS p(event_id, webhook_id)
      JOIN jsonb_to_recordset(${rows}::jsonb) AS e(id uuid, company_id uuid, name text, entity_id uuid, record_version int) ON e.id = p.event_id
      GROUP BY e.company_id, e.id, e.name, e.entity_id, e.record_version
      ON CONFLICT (company_id, event_id) DO UPDATE SET webhook_ids = webhook_delivery_fanout.webhook_ids || excluded.webhook_ids
      RETURNING 1
    )
    SELECT pg_notify(${DELIVERY_CHANNEL}, ${FANOUT_NOTICE}) FROM (SELECT count(*) AS n FROM fanned) AS c WHERE c.n > 0`);
}
