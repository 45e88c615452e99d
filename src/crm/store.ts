// Reading records back as their DTOs, in batches: one query each for the rows, their links, assigned users,
// custom values and (for deals) the amounts of linked services. Every write reads its records through here
// before and after it changes them; the difference is the event.
import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/pool.js';
import { customFieldValues, recordLinks, records, recordUsers } from '../db/schema/index.js';
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
}

export async function loadDtos(db: DbOrTx, companyId: string, ids: readonly string[], options: LoadOptions = {}): Promise<Map<string, LoadedRecord>> {
  const result = new Map<string, LoadedRecord>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return result;
  const query = db
    .select()
    .from(records)
    .where(and(eq(records.companyId, companyId), inArray(records.id, unique)))
    .orderBy(asc(records.id));
  const rows = options.lock ? await query.for('update') : await query;
  if (rows.length === 0) return result;
  const found = rows.map((row) => row.id);

  // Sequential on purpose: inside a transaction the queries share one connection anyway.
  const links = await db
    .select()
    .from(recordLinks)
    .where(or(inArray(recordLinks.fromId, found), inArray(recordLinks.toId, found)))
    .orderBy(asc(recordLinks.createdAt), asc(recordLinks.fromId), asc(recordLinks.toId));
  const users = await db.select().from(recordUsers).where(inArray(recordUsers.recordId, found)).orderBy(asc(recordUsers.userId));
  const values = await db.select().from(customFieldValues).where(inArray(customFieldValues.recordId, found)).orderBy(asc(customFieldValues.columnId));

  const linksOf = new Map<string, Array<{ otherId: string; otherType: RecordType; quantity: number | null }>>();
  const push = (id: string, otherId: string, otherType: string, quantity: string | null) => {
    if (!linksOf.has(id)) linksOf.set(id, []);
    linksOf.get(id)!.push({ otherId, otherType: otherType as RecordType, quantity: quantity === null ? null : Number(quantity) });
  };
  for (const link of links) {
    push(link.fromId, link.toId, link.toType, link.quantity);
    push(link.toId, link.fromId, link.fromType, link.quantity);
  }

  const serviceIds = links.filter((l) => l.fromType === 'deal' && l.toType === 'service').map((l) => l.toId);
  const amounts = await serviceAmounts(db, serviceIds);

  const usersOf = groupBy(users, (u) => u.recordId);
  const valuesOf = groupBy(values, (v) => v.recordId);
  for (const row of rows) {
    result.set(row.id, { type: row.type, dto: toDto(row, linksOf.get(row.id) ?? [], usersOf.get(row.id) ?? [], valuesOf.get(row.id) ?? [], amounts) });
  }
  return result;
}

async function serviceAmounts(db: DbOrTx, ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: records.id, amount: records.amount })
    .from(records)
    .where(inArray(records.id, [...new Set(ids)]));
  return new Map(rows.map((row) => [row.id, Number(row.amount)]));
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (!map.has(k)) map.set(k, []);
    map.get(k)!.push(item);
  }
  return map;
}

function toDto(
  row: RecordRow,
  links: Array<{ otherId: string; otherType: RecordType; quantity: number | null }>,
  users: Array<{ userId: string }>,
  values: Array<{ columnId: string; value: string }>,
  amounts: Map<string, number>,
): RecordDto {
  const type = row.type;
  const linkFields: Record<string, unknown> = {};
  for (const field of Object.keys(RELATIONS[type])) linkFields[field] = [];
  for (const link of links) {
    const field = relationTo(type, link.otherType);
    if (!field) continue;
    if (type === 'deal' && field === 'services') {
      (linkFields.services as unknown[]).push({ serviceId: link.otherId, quantity: link.quantity ?? 1 });
    } else {
      (linkFields[field] as string[]).push(link.otherId);
    }
  }
  const own = ownFields(row, linkFields, amounts);
  return {
    id: row.id,
    ...own,
    ...linkFields,
    notes: (row.notes as RecordDto['notes']) ?? null,
    customFieldValues: values.map((v) => ({ columnId: v.columnId, value: v.value })),
    userIds: users.map((u) => u.userId),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  } as RecordDto;
}

function ownFields(row: RecordRow, linkFields: Record<string, unknown>, amounts: Map<string, number>): Record<string, unknown> {
  switch (row.type) {
    case 'contact':
      return { firstName: row.firstName, lastName: row.lastName, emails: row.emails ?? [] };
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
      return { name: row.name, status: row.status, dueDate: row.dueDate ?? null };
  }
}

/** Lower-cased names and emails: what `searchTerm` matches as a substring. */
export function searchTextOf(fields: { name?: string | null; firstName?: string | null; lastName?: string | null; emails?: string[] | null }): string {
  return [fields.firstName, fields.lastName, fields.name, ...(fields.emails ?? [])]
    .filter((part): part is string => Boolean(part))
    .join(' ')
    .toLowerCase();
}

/** Bumps `updatedAt` of records whose DTO moved (no-op writes never reach here). */
export async function touchRecords(db: DbOrTx, ids: string[], at: string): Promise<void> {
  if (ids.length === 0) return;
  await db.update(records).set({ updatedAt: at }).where(sql`${records.id} = ANY(${sql.param(ids)}::uuid[])`);
}
