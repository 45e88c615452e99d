// Row-level writes behind the record commands: links (one row per pair, oriented by isFromSide), assigned
// users and custom values. They never publish anything themselves; the surrounding RecordWrite does.
import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../db/pool.js';
import { customFieldValues, recordLinks, recordUsers } from '../db/schema/index.js';
import type { LinkTarget } from './prepare.js';
import { isFromSide, type RecordType } from './types.js';

type LinkRow = typeof recordLinks.$inferInsert;

export function linkRow(companyId: string, type: RecordType, id: string, target: RecordType, other: LinkTarget): LinkRow {
  // Every deal–service link has a quantity. A service names its deals without one: a new link starts at 1 (an
  // existing one keeps its own, see replaceLinks); a null here broke the table's CHECK, a 500.
  const dealService = (type === 'service' && target === 'deal') || (type === 'deal' && target === 'service');
  const quantity = other.quantity !== null ? String(other.quantity) : dealService ? '1' : null;
  return isFromSide(type, target)
    ? { companyId, fromId: id, fromType: type, toId: other.id, toType: target, quantity }
    : { companyId, fromId: other.id, fromType: target, toId: id, toType: type, quantity };
}

/**
 * Inserts links; an existing pair keeps its row but takes the new quantity (deal services), unless
 * `keepQuantities` (the service side, which names deals without quantities) leaves existing pairs as they are.
 */
export async function insertLinks(tx: Tx, rows: LinkRow[], options: { keepQuantities?: boolean } = {}): Promise<void> {
  if (rows.length === 0) return;
  // One parameter for all rows (a JSON array), as the records of a create are inserted (see insertRecords).
  const json = JSON.stringify(rows.map((row) => ({ company_id: row.companyId, from_id: row.fromId, from_type: row.fromType, to_id: row.toId, to_type: row.toType, quantity: row.quantity })));
  await tx.execute(sql`
    INSERT INTO record_links (company_id, from_id, from_type, to_id, to_type, quantity)
    SELECT x.company_id, x.from_id, x.from_type, x.to_id, x.to_type, x.quantity
    FROM json_to_recordset(${json}::json) AS x(company_id uuid, from_id uuid, from_type text, to_id uuid, to_type text, quantity numeric)
    ON CONFLICT (from_id, to_id) ${options.keepQuantities ? sql`DO NOTHING` : sql`DO UPDATE SET quantity = excluded.quantity`}`);
}

/** Removes the links of record `id` to records of type `target`: all but `keep`, or exactly `only`. */
export async function deleteLinks(tx: Tx, type: RecordType, id: string, target: RecordType, filter: { keep?: string[]; only?: string[] }): Promise<void> {
  const fromSide = isFromSide(type, target);
  const self = fromSide ? recordLinks.fromId : recordLinks.toId;
  const other = fromSide ? recordLinks.toId : recordLinks.fromId;
  const otherType = fromSide ? recordLinks.toType : recordLinks.fromType;
  const condition = filter.only
    ? sql`${other} = ANY(${sql.param(filter.only)}::uuid[])`
    : sql`NOT (${other} = ANY(${sql.param(filter.keep ?? [])}::uuid[]))`;
  await tx.delete(recordLinks).where(and(eq(self, id), eq(otherType, target), condition));
}

export async function replaceLinks(tx: Tx, companyId: string, type: RecordType, id: string, target: RecordType, targets: LinkTarget[]): Promise<void> {
  await deleteLinks(tx, type, id, target, { keep: targets.map((t) => t.id) });
  await insertLinks(
    tx,
    targets.map((t) => linkRow(companyId, type, id, target, t)),
    { keepQuantities: type === 'service' && target === 'deal' },
  );
}

export async function replaceUsers(tx: Tx, recordId: string, userIds: string[]): Promise<void> {
  await tx
    .delete(recordUsers)
    .where(and(eq(recordUsers.recordId, recordId), sql`NOT (${recordUsers.userId} = ANY(${sql.param(userIds)}::uuid[]))`));
  await insertUsers(tx, userIds.map((userId) => ({ recordId, userId })));
}

export async function insertUsers(tx: Tx, rows: Array<{ recordId: string; userId: string }>): Promise<void> {
  if (rows.length === 0) return;
  await tx.insert(recordUsers).values(rows).onConflictDoNothing();
}

/** Sets and clears custom values of one record; columns not mentioned keep theirs. */
export async function mergeCustomValues(tx: Tx, recordId: string, values: Array<{ columnId: string; value: string | null }>): Promise<void> {
  const cleared = values.filter((v) => v.value === null).map((v) => v.columnId);
  const set = values.filter((v): v is { columnId: string; value: string } => v.value !== null);
  if (cleared.length > 0) {
    await tx
      .delete(customFieldValues)
      .where(and(eq(customFieldValues.recordId, recordId), sql`${customFieldValues.columnId} = ANY(${sql.param(cleared)}::uuid[])`));
  }
  await upsertCustomValues(tx, set.map((v) => ({ recordId, ...v })));
}

export async function upsertCustomValues(tx: Tx, rows: Array<{ recordId: string; columnId: string; value: string }>): Promise<void> {
  if (rows.length === 0) return;
  await tx
    .insert(customFieldValues)
    .values(rows)
    .onConflictDoUpdate({ target: [customFieldValues.recordId, customFieldValues.columnId], set: { value: sql`excluded.value` } });
}
