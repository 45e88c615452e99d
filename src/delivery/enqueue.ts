// Fan-out from the outbox to the delivery queue, inside the write's transaction: one statement creates a pending
// delivery per (event, enabled webhook of its company subscribed to it) in the log and its entry in
// webhook_delivery_queue (where workers look for work), then pg_notify
// wakes the workers — PostgreSQL delivers the notification only on commit, so a rolled-back write wakes nobody
// and leaves no delivery behind. Workers also poll, so a lost notification delays but never loses work.
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/pool.js';
import type { PublishedEvent } from '../events/publish.js';

export const DELIVERY_CHANNEL = 'webhook_deliveries';

export async function enqueueDeliveries(tx: Tx, events: readonly PublishedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = JSON.stringify(events.map((e) => ({ id: e.id, company_id: e.companyId, name: e.name, entity_id: e.entityId })));
  await tx.execute(sql`
    WITH inserted AS (
      INSERT INTO webhook_deliveries (company_id, webhook_id, event_id, event, entity_id, url)
      SELECT e.company_id, w.id, e.id, e.name, e.entity_id, w.url
      FROM jsonb_to_recordset(${rows}::jsonb) AS e(id uuid, company_id uuid, name text, entity_id uuid)
      JOIN webhooks w ON w.company_id = e.company_id AND w.enabled AND e.name = ANY (w.events)
      RETURNING id, webhook_id, company_id, created_at
    ),
    queued AS (
      INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at)
      SELECT id, webhook_id, company_id, created_at FROM inserted
      RETURNING 1
    )
    SELECT pg_notify(${DELIVERY_CHANNEL}, '') FROM (SELECT count(*) AS n FROM queued) AS c WHERE c.n > 0`);
}
