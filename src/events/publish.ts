// Publishing = writing events (and, through enqueueDeliveries, their delivery rows) inside the caller's
// transaction. Nothing here touches the network: if the write rolls back, its events and deliveries never existed.
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/pool.js';
import { events } from '../db/schema/index.js';
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
  createdAt: string;
  /** The payload the body was built from, for webhook filters (src/delivery/enqueue.ts); never re-parsed from body. */
  payload?: Record<string, unknown>;
}

/** Draft i for row i (the usual case), else the draft of the same record and event name. */
function draftOf(drafts: readonly EventDraft[], index: number, row: { entityId: string; name: string }): EventDraft {
  const draft = drafts[index]!;
  if (draft.entityId === row.entityId && draft.name === row.name) return draft;
  return drafts.find((d) => d.entityId === row.entityId && d.name === row.name) ?? draft;
}

/**
 * Writes one event per draft and the deliveries they cause, in `tx`. All events of one write share one
 * timestamp, taken at the end of the write (the closest we can get to commit time without a second round trip).
 */
export async function publishEvents(tx: Tx, actor: Actor, drafts: readonly EventDraft[], now = new Date()): Promise<PublishedEvent[]> {
  if (drafts.length === 0) return [];
  const timestamp = now.toISOString();
  const rows = drafts.map((draft) => ({
    companyId: actor.companyId,
    name: draft.name,
    entityId: draft.entityId,
    recordVersion: draft.recordVersion ?? null,
    xid: draft.xidFloor === undefined ? sql`pg_current_xact_id()` : sql`greatest(pg_current_xact_id(), ${draft.xidFloor}::xid8)`,
    userId: actor.userId,
    createdAt: timestamp,
    body: serializeEnvelope({
      event: draft.name,
      data: { userId: actor.userId, companyId: actor.companyId, entityId: draft.entityId, payload: draft.payload },
      timestamp,
    }),
  }));
  // Refused before anything of this event is stored; the caller's transaction rolls back whole.
  rows.forEach((row, index) => assertEventBodyFits(row.body, drafts[index]!));
  const inserted = await tx.insert(events).values(rows).returning();
  const published = inserted.map((row, index) => ({
    id: row.id,
    companyId: row.companyId,
    name: row.name as EventName,
    entityId: row.entityId,
    recordVersion: row.recordVersion,
    body: row.body,
    createdAt: row.createdAt,
    payload: draftOf(drafts, index, row).payload,
  }));
  await enqueueDeliveries(tx, published);
  return published;
}
