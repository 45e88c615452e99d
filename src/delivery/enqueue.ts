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
}

export async function enqueueDeliveries(tx: Tx, events: readonly PublishedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = JSON.stringify(events.map((e) => ({ id: e.id, company_id: e.companyId, name: e.name, entity_id: e.entityId })));
  const result = await tx.execute<{ filtered: FilteredWebhook[] | null }>(sql`
    WITH inserted AS (
      INSERT INTO webhook_deliveries (company_id, webhook_id, event_id, event, entity_id, url)
      SELECT e.company_id, w.id, e.id, e.name, e.entity_id, w.url
      FROM jsonb_to_recordset(${rows}::jsonb) AS e(id uuid, company_id uuid, name text, entity_id uuid)
      JOIN webhooks w ON w.company_id = e.company_id AND w.enabled AND e.name = ANY (w.events) AND w.filter IS NULL
      RETURNING id, webhook_id, company_id, created_at
    ),
    queued AS (
      INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at)
      SELECT id, webhook_id, company_id, created_at FROM inserted
      RETURNING 1
    ),
    notified AS (
      SELECT pg_notify(${DELIVERY_CHANNEL}, '') FROM (SELECT count(*) AS n FROM queued) AS c WHERE c.n > 0
    )
    SELECT (SELECT count(*) FROM notified) AS notified,
      (SELECT jsonb_agg(jsonb_build_object('id', w.id, 'company_id', w.company_id, 'url', w.url, 'events', w.events, 'filter', w.filter))
       FROM webhooks w
       WHERE w.company_id IN (SELECT DISTINCT company_id FROM jsonb_to_recordset(${rows}::jsonb) AS e(company_id uuid))
         AND w.enabled AND w.filter IS NOT NULL) AS filtered`);
  const filtered = result.rows[0]?.filtered;
  if (filtered?.length) await enqueueFilteredDeliveries(tx, events, filtered);
}

/** The pairs (event, filtered webhook) whose filter matches the event's payload, written like the unfiltered ones. */
async function enqueueFilteredDeliveries(tx: Tx, events: readonly PublishedEvent[], webhooks: readonly FilteredWebhook[]): Promise<void> {
  const pairs: Array<{ event_id: string; company_id: string; name: string; entity_id: string; webhook_id: string; url: string }> = [];
  for (const event of events) {
    const subscribed = webhooks.filter((w) => w.company_id === event.companyId && w.events.includes(event.name));
    if (subscribed.length === 0) continue;
    const view = event.payload ? toFilterEvent(event.name, event.payload) : null;
    for (const webhook of subscribed) {
      // An event the filter cannot read (not about a record) never matches a filter.
      if (view && matchesFilter(webhook.filter, view)) {
        pairs.push({ event_id: event.id, company_id: event.companyId, name: event.name, entity_id: event.entityId, webhook_id: webhook.id, url: webhook.url });
      }
    }
  }
  if (pairs.length === 0) return;
  await tx.execute(sql`
    WITH inserted AS (
      INSERT INTO webhook_deliveries (company_id, webhook_id, event_id, event, entity_id, url)
      SELECT p.company_id, p.webhook_id, p.event_id, p.name, p.entity_id, p.url
      FROM jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) AS p(event_id uuid, company_id uuid, name text, entity_id uuid, webhook_id uuid, url text)
      RETURNING id, webhook_id, company_id, created_at
    ),
    queued AS (
      INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at)
      SELECT id, webhook_id, company_id, created_at FROM inserted
      RETURNING 1
    )
    SELECT pg_notify(${DELIVERY_CHANNEL}, '') FROM (SELECT count(*) AS n FROM queued) AS c WHERE c.n > 0`);
}
