// Publishing = writing events (and, through enqueueDeliveries, their delivery rows) inside the caller's
// transaction. Nothing here touches the network: if the write rolls back, its events and deliveries never existed.
import { v7 as uuidV7 } from 'uuid';
import { sql } from 'drizzle-orm';
import { executeNamed, type Tx } from '../db/pool.js';
import { enqueueDeliveries } from '../delivery/enqueue.js';
import type { EventName } from './catalog.js';
import { assertEventBodyFits } from './body-limit.js';
import { serializeEnvelope } from './envelope.js';

export interface Actor {
  companyId: string;
  /** The acting user; an API key acts as its user. */
  userId: string | null;
}

export interface EventDraft {
  name: EventName;
  entityId: string;
  /** The record's version for this event (spec §10; see openWrite); absent for an event not about a record. */
  recordVersion?: number;
  /**
   * The feed position (xid8, as text) of the record's previous event: this event's position is at least that,
   * so the feed lists a record's events in record-version order (see src/events/feed.ts).
   */
  xidFloor?: string;
  payload: Record<string, unknown>;
}

export interface PublishedEvent {
  id: string;
  companyId: string;
  name: EventName;
  entityId: string;
  recordVersion: number | null;
  body: string;
  /** The write's timestamp (ISO 8601), as stored in events.created_at and sent in the envelope. */
  createdAt: string;
  /** The payload the body was built from, for webhook filters (src/delivery/enqueue.ts); never re-parsed from body. */
  payload?: Record<string, unknown>;
}

/**
 * Writes one event per draft and the deliveries they cause, in `tx`. All events of one write share one
 * timestamp, taken at the end of the write (the closest we can get to commit time without a second round trip).
 */
export async function publishEvents(tx: Tx, actor: Actor, drafts: readonly EventDraft[], now = new Date()): Promise<PublishedEvent[]> {
  if (drafts.length === 0) return [];
  const timestamp = now.toISOString();
  const published: PublishedEvent[] = drafts.map((draft) => ({
    // Time-ordered (UUID version 7), as delivery ids are (migration 0018): each event appends to the right edge
    // of the events table's key instead of landing on a random page of it.
    id: uuidV7(),
    companyId: actor.companyId,
    name: draft.name,
    entityId: draft.entityId,
    recordVersion: draft.recordVersion ?? null,
    body: serializeEnvelope({
      event: draft.name,
      data: { userId: actor.userId, companyId: actor.companyId, entityId: draft.entityId, payload: draft.payload },
      timestamp,
    }),
    createdAt: timestamp,
    payload: draft.payload,
  }));
  // Refused before anything of this event is stored; the caller's transaction rolls back whole.
  published.forEach((event, index) => assertEventBodyFits(event.body, drafts[index]!));
  // One statement, one parameter: the rows travel as a JSON array (ids made here, so nothing is returned). Rows
  // are inserted in draft order, which is the order of their `seq` (the feed's order within a transaction).
  const rows = JSON.stringify(
    published.map((event, index) => ({ id: event.id, name: event.name, entity_id: event.entityId, record_version: event.recordVersion, xid_floor: drafts[index]!.xidFloor, body: event.body })),
  );
  await executeNamed(tx, 'insert-events', sql`
    INSERT INTO events (id, company_id, name, entity_id, user_id, record_version, xid, created_at, body)
    SELECT e.id, ${actor.companyId}::uuid, e.name, e.entity_id, ${actor.userId}::uuid, e.record_version,
      CASE WHEN e.xid_floor IS NULL THEN pg_current_xact_id() ELSE greatest(pg_current_xact_id(), e.xid_floor) END,
      ${timestamp}::timestamptz, e.body
    FROM ROWS FROM (json_to_recordset(${rows}::json) AS (id uuid, name text, entity_id uuid, record_version int, xid_floor xid8, body text))
      WITH ORDINALITY AS e(id, name, entity_id, record_version, xid_floor, body, ord)
    ORDER BY e.ord`);
  await enqueueDeliveries(tx, published);
  return published;
}
