// Fan-out from the outbox to the delivery queue, inside the write's transaction: one statement creates a pending
// delivery per (event, enabled webhook of its company subscribed to it) in the log and its entry in
// webhook_delivery_queue (where workers look for work), then pg_notify
// wakes the workers — PostgreSQL delivers the notification only on commit, so a rolled-back write wakes nobody
// and leaves no delivery behind. Workers also poll, so a lost notification delays but never loses work.
//
// Webhooks with a filter (spec §13) are left out of that statement, which returns them instead: their filters
// are evaluated here in JS against the payloads the write already holds, and only the matching pairs get rows,
// in a second statement run only when something matched. A write that no filtered webhook wants therefore
// costs the same single statement as before.
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/pool.js';
import type { PublishedEvent } from '../events/publish.js';
import { matchesFilter, toFilterEvent } from '../webhooks/filter/evaluate.js';
import type { FilterNode } from '../webhooks/filter/parse.js';

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
  const rows = JSON.stringify(events.map((e) => ({ id: e.id, company_id: e.companyId, name: e.name, entity_id: e.entityId, record_version: e.recordVersion })));
  const result = await tx.execute<{ filtered: FilteredWebhook[] | null }>(sql`
    WITH inserted AS (
      INSERT INTO webhook_deliveries (company_id, webhook_id, event_id, event, entity_id, url)
      SELECT e.company_id, w.id, e.id, e.name, e.entity_id, w.url
      FROM jsonb_to_recordset(${rows}::jsonb) AS e(id uuid, company_id uuid, name text, entity_id uuid)
      JOIN webhooks w ON w.company_id = e.company_id AND w.enabled AND e.name = ANY (w.events) AND w.filter IS NULL
      RETURNING id, webhook_id, company_id, created_at, event_id
    ),
    -- Per-record ordering (spec §13): the queue rows of such webhooks carry the record and its version
    -- (src/delivery/queue.ts). Empty for companies without such a webhook.
    ordered AS (
      SELECT w.id AS webhook_id, e.id AS event_id, e.entity_id, e.record_version
      FROM jsonb_to_recordset(${rows}::jsonb) AS e(id uuid, company_id uuid, entity_id uuid, record_version int)
      JOIN webhooks w ON w.company_id = e.company_id AND w.enabled AND w.ordering = 'per-record'
      WHERE e.record_version IS NOT NULL
    ),
    queued AS (
      INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at, order_entity_id, order_version)
      SELECT i.id, i.webhook_id, i.company_id, i.created_at, o.entity_id, o.record_version
      FROM inserted i LEFT JOIN ordered o ON o.webhook_id = i.webhook_id AND o.event_id = i.event_id
      RETURNING 1
    ),
    notified AS (
      SELECT pg_notify(${DELIVERY_CHANNEL}, '') FROM (SELECT count(*) AS n FROM queued) AS c WHERE c.n > 0
    )
    SELECT (SELECT count(*) FROM notified) AS notified,
      (SELECT jsonb_agg(jsonb_build_object('id', w.id, 'company_id', w.company_id, 'url', w.url, 'events', w.events, 'filter', w.filter, 'ordering', w.ordering))
       FROM webhooks w
       WHERE w.company_id IN (SELECT DISTINCT company_id FROM jsonb_to_recordset(${rows}::jsonb) AS e(company_id uuid))
         AND w.enabled AND w.filter IS NOT NULL) AS filtered`);
  const filtered = result.rows[0]?.filtered;
  if (filtered?.length) await enqueueFilteredDeliveries(tx, events, rows, filtered);
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
  await tx.execute(sql`
    WITH inserted AS (
      INSERT INTO webhook_deliveries (company_id, webhook_id, event_id, event, entity_id, url)
      SELECT e.company_id, w.id, e.id, e.name, e.entity_id, w.url
      FROM unnest(${`{${eventIds.join(',')}}`}::uuid[], ${`{${webhookIds.join(',')}}`}::uuid[]) AS p(event_id, webhook_id)
      JOIN jsonb_to_recordset(${rows}::jsonb) AS e(id uuid, company_id uuid, name text, entity_id uuid) ON e.id = p.event_id
      JOIN webhooks w ON w.id = p.webhook_id AND w.company_id = e.company_id
      RETURNING id, webhook_id, company_id, created_at, event_id, entity_id
    ),
    -- Per-record webhooks' queue rows carry the record and its version, as in the unfiltered statement.
    queued AS (
      INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at, order_entity_id, order_version)
      SELECT i.id, i.webhook_id, i.company_id, i.created_at,
        CASE WHEN w.ordering = 'per-record' AND e.record_version IS NOT NULL THEN i.entity_id END,
        CASE WHEN w.ordering = 'per-record' THEN e.record_version END
      FROM inserted i
      JOIN jsonb_to_recordset(${rows}::jsonb) AS e(id uuid, record_version int) ON e.id = i.event_id
      JOIN webhooks w ON w.id = i.webhook_id
      RETURNING 1
    )
    SELECT pg_notify(${DELIVERY_CHANNEL}, '') FROM (SELECT count(*) AS n FROM queued) AS c WHERE c.n > 0`);
}
