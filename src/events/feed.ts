// The event feed (spec §9): every event of a company exactly once, in one stable order, for clients that catch
// up without webhooks (GET /events, MCP list_events, `listen`).
//
// Why not order by time or by a sequence number: both are taken before commit. Writer A takes seq 10, writer B
// takes seq 11 and commits first; a reader that saw 11 and moved its cursor past it would never see 10.
// Instead every event stores the id of the transaction that wrote it (xid8, events.xid) and its insert order
// (events.seq). A page only returns events whose xid is below the xmin of the reading statement's snapshot:
// every transaction below xmin has ended, and any transaction that writes later gets a higher xid, so the set of
// events below xmin is final — nothing can ever join it. Pages walk that final set in (xid, seq) order; an event
// that commits later belongs to a transaction at or above the xmin every earlier page saw, so it sorts after any
// cursor handed out so far. Hence exactly once, with no skips, under any number of concurrent writers.
//
// xid order is not commit order: two writers of one record may take their xids in one order and the record's
// lock in the other. So a record's event stores max(own xid, position of the record's previous event) (see
// openWrite and publishEvents). The argument above still holds — a writer still running has its own xid at or
// above every reader's xmin, and the stored value is at least that — and a record's events now come in
// record-version order. Without the xmin bound, the concurrency test's reader misses ~45% of the events.
//
// The price: the feed shows nothing newer than the oldest writing transaction still open on the PostgreSQL
// server — xids and snapshots are server-wide, so that includes other databases on the same server. A record
// write holds its transaction for milliseconds; a CSV import, a migration or a psql session left open inside
// BEGIN holds the feed back (for every company) until it ends. Events are late, never lost or reordered.
//
// Cost: pages walk the (company_id, xid, seq) index: ~2 ms for 100 events and ~10 ms for 1,000 (mostly JSON
// parsing) at any depth of a 100k-event company; a `types` filter is applied while walking, so a type that is
// 0.1 % of the events costs ~40 ms per page at that size.
//
// Cursors are opaque strings (base64url of "<xid>.<seq>"). A cursor below the point where events of its company
// were deleted (retention; event_feed_horizons) answers 410: resuming from it would skip events silently.
import { sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import type { DbOrTx } from '../db/pool.js';
import { AppError, validationError } from '../errors.js';
import { EVENT_NAMES, isEventName, type EventName } from './catalog.js';
import type { Envelope } from './envelope.js';

export const FEED_LIMIT_MAX = 1000;
export const FEED_LIMIT_DEFAULT = 100;
/** `after=latest`: a cursor at the current end of the feed (for a client that wants only what happens next). */
export const LATEST = 'latest';

export interface FeedPosition {
  /** Transaction id (xid8) as decimal text: up to 2^64 − 1, beyond a JS number. */
  xid: string;
  /** Insert order (events.seq) as decimal text. */
  seq: string;
}

/** Before every event: where a feed without `after` starts. */
export const FEED_START: FeedPosition = { xid: '0', seq: '0' };

const XID_MAX = 2n ** 64n - 1n;
const SEQ_MAX = 2n ** 63n - 1n;

export function encodeCursor(position: FeedPosition): string {
  return Buffer.from(`${position.xid}.${position.seq}`, 'utf8').toString('base64url');
}

/** The position a cursor stands for, or null when it is not one this server handed out. */
export function decodeCursor(cursor: string): FeedPosition | null {
  if (!/^[A-Za-z0-9_-]{1,60}$/.test(cursor)) return null;
  const match = /^(0|[1-9]\d{0,19})\.(0|[1-9]\d{0,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) return null;
  const [, xid, seq] = match as unknown as [string, string, string];
  if (BigInt(xid) > XID_MAX || BigInt(seq) > SEQ_MAX) return null;
  return { xid, seq };
}

/** `types` as a comma list (REST) or an array (MCP); undefined means every event. */
export function parseTypes(types: string | readonly string[] | undefined): EventName[] | undefined {
  if (types === undefined) return undefined;
  const list = typeof types === 'string' ? types.split(',').map((t) => t.trim()) : [...types];
  if (list.length === 0 || list.length > EVENT_NAMES.length * 2) {
    throw validationError('types', `must name 1 to ${EVENT_NAMES.length} events of: ${EVENT_NAMES.join(', ')}`);
  }
  for (const name of list) {
    if (!isEventName(name)) throw validationError('types', `"${String(name).slice(0, 100)}" is not an event name; allowed: ${EVENT_NAMES.join(', ')}`);
  }
  return [...new Set(list as EventName[])];
}

/** The feed serves the events of the catalog only (not per-webhook test events). */
type FeedEnvelope = Omit<Envelope, 'event'> & { event: EventName };

export interface FeedItem {
  id: string;
  event: EventName;
  entityId: string;
  recordVersion: number | null;
  timestamp: string;
  /** The body webhooks receive, parsed. */
  envelope: FeedEnvelope;
}

export interface FeedPage {
  items: FeedItem[];
  nextCursor: string;
}

export interface FeedRequest {
  /** A cursor from an earlier page, `latest`, or undefined for the beginning (of what is retained). */
  after?: string;
  limit?: number;
  types?: string | readonly string[];
}

interface FeedRow {
  xmin: string;
  purged: boolean | null;
  id: string | null;
  name: EventName;
  entity_id: string;
  record_version: number | null;
  created_at: string;
  body: string;
  xid: string;
  seq: string;
}

/** One page of the principal's company feed. Any authenticated user may read it. */
export async function readEventFeed(db: DbOrTx, principal: Principal, request: FeedRequest): Promise<FeedPage> {
  const limit = request.limit ?? FEED_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > FEED_LIMIT_MAX) throw validationError('limit', `must be a whole number from 1 to ${FEED_LIMIT_MAX}`);
  const types = parseTypes(request.types) ?? EVENT_NAMES;
  const latest = request.after === LATEST;
  let after = FEED_START;
  if (request.after !== undefined && !latest) {
    const decoded = decodeCursor(request.after);
    if (!decoded) throw validationError('after', `is not a cursor of this feed: pass a nextCursor from an earlier page, "${LATEST}", or leave it out to start from the beginning`);
    after = decoded;
  }
  // One statement, so one snapshot: the xmin bound and the rows it admits come from the same instant. The
  // subquery makes xmin a constant of the plan, so (company_id, xid, seq) serves as the index range.
  const { rows } = await db.execute<FeedRow & Record<string, unknown>>(sql`
    WITH snap AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
    SELECT s.xmin::text AS xmin,
      (SELECT (${after.xid}::xid8, ${after.seq}::bigint) < (h.xid, h.seq) FROM event_feed_horizons h WHERE h.company_id = ${principal.companyId}) AS purged,
      e.id, e.name, e.entity_id, e.record_version, e.created_at, e.body, e.xid::text AS xid, e.seq::text AS seq
    FROM snap s LEFT JOIN LATERAL (
      SELECT e.id, e.name, e.entity_id, e.record_version, e.created_at, e.body, e.xid, e.seq
      FROM events e
      WHERE e.company_id = ${principal.companyId}
        AND (e.xid, e.seq) > (${after.xid}::xid8, ${after.seq}::bigint)
        AND e.xid < s.xmin
        AND e.name = ANY(${sql.param(types)}::text[])
      ORDER BY e.xid, e.seq
      LIMIT ${latest ? 0 : limit}
    ) e ON true`);
  const first = rows[0]!;
  if (first.purged && request.after !== undefined && !latest) {
    throw new AppError(
      'gone',
      'after: this cursor points to events that retention has deleted, so resuming from it would skip events; ' +
        `start again without after (from the oldest event kept) or with after=${LATEST} (only new events), and deduplicate on the event id`,
      'after',
    );
  }
  if (latest) return { items: [], nextCursor: encodeCursor({ xid: first.xmin, seq: '0' }) };
  const items = rows
    .filter((row) => row.id !== null)
    .map((row) => ({
      id: row.id!,
      event: row.name,
      entityId: row.entity_id,
      recordVersion: row.record_version,
      timestamp: new Date(row.created_at).toISOString(),
      envelope: JSON.parse(row.body) as FeedEnvelope,
    }));
  const last = rows.at(-1)!;
  const nextCursor = items.length > 0 ? encodeCursor({ xid: last.xid, seq: last.seq }) : (request.after ?? encodeCursor(FEED_START));
  return { items, nextCursor };
}
