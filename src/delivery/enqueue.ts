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
// Webhooks with a filter (spec §13) are evaluated in JS against the payloads the write already holds, with the
// company's filtered webhooks as this process last saw them (filterCache): the statement checks that they are
// still the ones in the database (a digest of their ids, events and filters) and only then inserts the pairs
// that matched, with the unfiltered ones. A write therefore costs one statement, filters or not. When the check
// fails (a webhook was added, changed, enabled or disabled since; or the first write of a company in this
// process), the statement returns the current filtered webhooks instead, and a second statement inserts what
// matches them.
import { sql } from 'drizzle-orm';
import { arrayLiteral, executeNamed, type Tx } from '../db/pool.js';
import type { PublishedEvent } from '../events/publish.js';
import { matchesFilter, toFilterEvent } from '../webhooks/filter/evaluate.js';
import type { FilterNode } from '../webhooks/filter/parse.js';

export const DELIVERY_CHANNEL = 'webhook_deliveries';
/** The notification of a write's fan-out rows: the workers expand them (fanout.ts) before they claim. */
export const FANOUT_NOTICE = 'f';

interface FilteredWebhook {
  id: string;
  company_id: string;
  events: string[];
  filter: FilterNode;
}

/** The filtered webhooks of a write's companies as last read, with their digest (of ids, events and filters). */
interface FilteredSet {
  digest: string;
  webhooks: FilteredWebhook[];
}

/** By the write's company ids; a stale entry costs a second statement, never a wrong delivery (it is checked). */
const filterCache = new Map<string, FilteredSet>();
const FILTER_CACHE_MAX = 1_000;

export async function enqueueDeliveries(tx: Tx, events: readonly PublishedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = JSON.stringify(events.map((e) => ({ id: e.id, company_id: e.companyId, name: e.name, entity_id: e.entityId, record_version: e.recordVersion })));
  const cacheKey = [...new Set(events.map((e) => e.companyId))].sort().join(',');
  const known = filterCache.get(cacheKey);
  const matched = known ? matchFilters(events, known.webhooks) : { eventIds: [], webhookIds: [] };
  // Named (parsed and planned once per connection, where planning cost more than running it), under two names
  // for one text: PostgreSQL chooses between a plan for any values and one for each call's per statement, and the
  // writes with filtered pairs (hundreds of ids to join) need other plans than the many with none.
  const name = matched.eventIds.length > 0 ? 'enqueue-deliveries-filtered' : 'enqueue-deliveries';
  const result = await executeNamed<{ digest: string; filtered: FilteredWebhook[] | null }>(tx, name, sql`
    WITH e AS MATERIALIZED (
      SELECT * FROM jsonb_to_recordset(${rows}::jsonb) AS e(id uuid, company_id uuid, name text, entity_id uuid, record_version int)
    ),
    -- The enabled filtered webhooks of the write's companies, and their digest: what decides the filtered pairs.
    filtered_hooks AS MATERIALIZED (
      SELECT w.id, w.company_id, w.events, w.filter FROM webhooks w
      WHERE w.company_id IN (SELECT DISTINCT company_id FROM e) AND w.enabled AND w.filter IS NOT NULL
    ),
    current AS MATERIALIZED (
      SELECT coalesce(md5(string_agg(h.id::text || h.events::text || h.filter::text, '|' ORDER BY h.id)), '') AS digest FROM filtered_hooks h
    ),
    pairs AS (
      SELECT e.id AS event_id, w.id AS webhook_id
      FROM e JOIN webhooks w ON w.company_id = e.company_id AND w.enabled AND e.name = ANY (w.events) AND w.filter IS NULL
      UNION ALL
      -- The filtered pairs that matched, only while the webhooks they were matched against are still the current ones.
      SELECT p.event_id, p.webhook_id
      FROM unnest(${arrayLiteral(matched.eventIds)}::uuid[], ${arrayLiteral(matched.webhookIds)}::uuid[]) AS p(event_id, webhook_id)
      WHERE (SELECT digest FROM current) = ${known?.digest ?? ''}
    ),
    fanned AS (
      INSERT INTO webhook_delivery_fanout (company_id, event_id, event, entity_id, record_version, webhook_ids, created_at)
      SELECT e.company_id, e.id, e.name, e.entity_id, e.record_version, array_agg(p.webhook_id), now()
      FROM pairs p JOIN e ON e.id = p.event_id
      GROUP BY e.company_id, e.id, e.name, e.entity_id, e.record_version
      RETURNING 1
    ),
    notified AS (
      SELECT pg_notify(${DELIVERY_CHANNEL}, ${FANOUT_NOTICE}) FROM (SELECT count(*) AS n FROM fanned) AS f WHERE f.n > 0
    )
    SELECT (SELECT count(*) FROM notified) AS notified, c.digest,
      CASE WHEN c.digest <> ${known?.digest ?? ''} THEN
        (SELECT jsonb_agg(jsonb_build_object('id', h.id, 'company_id', h.company_id, 'events', h.events, 'filter', h.filter)) FROM filtered_hooks h)
      END AS filtered
    FROM current c`);
  const row = result.rows[0]!;
  if (row.digest === (known?.digest ?? '')) return;
  // The filtered webhooks changed since this process last read them (or it never did): match again, with them.
  const current = { digest: row.digest, webhooks: row.filtered ?? [] };
  filterCache.delete(cacheKey);
  if (filterCache.size >= FILTER_CACHE_MAX) filterCache.delete(filterCache.keys().next().value!);
  filterCache.set(cacheKey, current);
  if (current.webhooks.length > 0) await enqueueFilteredDeliveries(tx, events, rows, current.webhooks);
}

/**
 * The (event, filtered webhook) pairs whose filter matches the event's payload. Only these two id arrays travel
 * (the events' columns come from the statement's JSON), so 100 events × 10 webhooks send ~75 KB.
 */
function matchFilters(events: readonly PublishedEvent[], webhooks: readonly FilteredWebhook[]): { eventIds: string[]; webhookIds: string[] } {
  const eventIds: string[] = [];
  const webhookIds: string[] = [];
  if (webhooks.length === 0) return { eventIds, webhookIds };
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
  return { eventIds, webhookIds };
}

/** The pairs of the current filtered webhooks, when the first statement found the known ones out of date. */
async function enqueueFilteredDeliveries(tx: Tx, events: readonly PublishedEvent[], rows: string, webhooks: readonly FilteredWebhook[]): Promise<void> {
  const { eventIds, webhookIds } = matchFilters(events, webhooks);
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
