// Reading records back as their DTOs, in batches, in one round trip: each row with its links (and, for a
// deal's services, their amounts), assigned users and custom values aggregated alongside. Every write reads its
// records through here before (locked) and after it changes them; the difference is the event.
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/pool.js';
import { records } from '../db/schema/index.js';
import type { RecordDto, RecordType } from './types.js';
import { RELATIONS, relationTo } from './types.js';

export type RecordRow = typeof records.$inferSelect;

export interface LoadOptions {
  /** Lock the rows (FOR UPDATE) so the before-image stays true until commit. */
  lock?: boolean;
}

const iso = (value: string) => new Date(value).toISOString();
/** Money and quantities are numeric in the database; six decimals absorb float noise of amount × quantity. */
const round = (value: number) => Math.round(value * 1e6) / 1e6;

export interface LoadedRecord {
  type: RecordType;
  dto: RecordDto;
  /** Events published about the record so far (its record version); read under the lock when tracking. */
  version: number;
  /** The feed position (xid8 as text) of the record's last event. */
  lastEventXid: string;
}

interface LinkJson {
  otherId: string;
  otherType: RecordType;
  quantity: number | null;
  /** The linked service's amount, on a deal's service links. */
  amount: number | null;
}

interface LoadedRow {
  id: string;
  type: RecordType;
  name: string | null;
  first_name: string | null;
  last_name: string | null;
  emails: string[] | null;
  amount: string | null;
  status: 'open' | 'done' | null;
  due_date: string | null;
  notes: unknown;
  created_at: string;
  updated_at: string;
  version: number;
  last_event_xid: string;
  links: LinkJson[];
  user_ids: string[];
  custom_values: Array<{ columnId: string; value: string }>;
}

export async function loadDtos(db: DbOrTx, companyId: string, ids: readonly string[], options: LoadOptions = {}): Promise<Map<string, LoadedRecord>> {
  const result = new Map<string, LoadedRecord>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return result;
  if (options.lock) {
    // Lock first, read after, in two statements: under READ COMMITTED a statement that waited for a lock still
    // reads the links and values from the snapshot it started with, which would miss the other writer's changes.
    await db.execute(sql`SELECT 1 FROM records WHERE company_id = ${companyId} AND id = ANY(${sql.param(unique)}::uuid[]) ORDER BY id FOR UPDATE`);
  }
  // Links are stored once per pair, so a record's links are the rows where it is `from` plus those where it
  // is `to`; both halves use an index (the primary key and record_links_to_idx).
  const { rows } = await db.execute<LoadedRow & Record<string, unknown>>(sql`
    SELECT ${ROW_COLUMNS},
      COALESCE((
        SELECT json_agg(json_build_object('otherId', l.other_id, 'otherType', l.other_type, 'quantity', l.quantity, 'amount', l.amount)
                        ORDER BY l.created_at, l.other_id)
        FROM (
          SELECT f.to_id AS other_id, f.to_type AS other_type, f.quantity, f.created_at, s.amount
          FROM record_links f LEFT JOIN records s ON f.to_type = 'service' AND f.from_type = 'deal' AND s.id = f.to_id
          WHERE f.from_id = r.id
          UNION ALL
          SELECT t.from_id, t.from_type, t.quantity, t.created_at, NULL FROM record_links t WHERE t.to_id = r.id
        ) l
      ), '[]'::json) AS links,
      ARRAY(SELECT u.user_id FROM record_users u WHERE u.record_id = r.id ORDER BY u.user_id)::text[] AS user_ids,
      COALESCE((
        SELECT json_agg(json_build_object('columnId', v.column_id, 'value', v.value) ORDER BY v.column_id)
        FROM custom_field_values v WHERE v.record_id = r.id
      ), '[]'::json) AS custom_values
    FROM records r
    WHERE r.company_id = ${companyId} AND r.id = ANY(${sql.param(unique)}::uuid[])
    ORDER BY r.id`);
  for (const row of rows) result.set(row.id, loadedRecordOf(row));
  return result;
}

/** The columns of `records r` a LoadedRecord is built from, besides its links, users and custom values. */
export const ROW_COLUMNS = sql.raw(
  `r.id, r.type, r.name, r.first_name, r.last_name, r.emails, r.amount, r.status, r.due_date::text AS due_date,
      r.notes, r.created_at, r.updated_at, r.version, r.last_event_xid::text AS last_event_xid`,
);

/** A row of ROW_COLUMNS with no links, users or custom values: what a create without them inserted. */
export type BareRow = Omit<LoadedRow, 'links' | 'user_ids' | 'custom_values'>;

export function loadedRecordOf(row: LoadedRow): LoadedRecord {
  return { type: row.type, dto: toDto(row), version: row.version, lastEventXid: row.last_event_xid };
}

/** The record as loadDtos would read it, for a row that has no links, assigned users or custom values yet. */
export function bareRecordOf(row: BareRow): LoadedRecord {
  return loadedRecordOf({ ...row, links: [], user_ids: [], custom_values: [] });
}

function toDto(row: LoadedRow): RecordDto {
  const type = row.type;
  const linkFields: Record<string, unknown> = {};
  for (const field of Object.keys(RELATIONS[type])) linkFields[field] = [];
  const amounts = new Map<string, number>();
  for (const link of row.links) {
    const field = relationTo(type, link.otherType);
    if (!field) continue;
    if (type === 'deal' && field === 'services') {
      (linkFields.services as unknown[]).push({ serviceId: link.otherId, quantity: Number(link.quantity ?? 1) });
      amounts.set(link.otherId, Number(link.amount ?? 0));
    } else {
      (linkFields[field] as string[]).push(link.otherId);
    }
  }
  return {
    id: row.id,
    ...ownFields(row, linkFields, amounts),
    ...linkFields,
    notes: (row.notes as RecordDto['notes']) ?? null,
    customFieldValues: row.custom_values,
    userIds: row.user_ids,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  } as RecordDto;
}

function ownFields(row: LoadedRow, linkFields: Record<string, unknown>, amounts: Map<string, number>): Record<string, unknown> {
  switch (row.type) {
    case 'contact':
      return { firstName: row.first_name, lastName: row.last_name, emails: row.emails ?? [] };
    case 'organization':
      return { name: row.name };
    case 'deal': {
      const services = linkFields.services as Array<{ serviceId: string; quantity: number }>;
      const totalValue = services.reduce((sum, s) => sum + (amounts.get(s.serviceId) ?? 0) * s.quantity, 0);
      const totalQuantity = services.reduce((sum, s) => sum + s.quantity, 0);
      return { name: row.name, totalValue: round(totalValue), totalQuantity: round(totalQuantity) };
    }
    case 'service':
      return { name: row.name, amount: Number(row.amount) };
    case 'task':
      return { name: row.name, status: row.status, dueDate: row.due_date ?? null };
  }
}

/** Lower-cased names and emails: what `searchTerm` matches as a substring. */
export function searchTextOf(fields: { name?: string | null; firstName?: string | null; lastName?: string | null; emails?: string[] | null }): string {
  return [fields.firstName, fields.lastName, fields.name, ...(fields.emails ?? [])]
    .filter((part): part is string => Boolean(part))
    .join(' ')
    .toLowerCase();
}

/**
 * Bumps `updatedAt`, the record version and the last event's feed position of records whose DTO moved (no-op
 * writes never reach here); the event gets the same position (publishEvents, `xidFloor`).
 */
export async function touchRecords(db: DbOrTx, ids: string[], at: string): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`
    UPDATE records SET updated_at = ${at}, version = version + 1, last_event_xid = greatest(last_event_xid, pg_current_xact_id())
    WHERE id = ANY(${sql.param(ids)}::uuid[])`);
}
