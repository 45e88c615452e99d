// Reads: one record, several by {entity, id}, and the company-scoped list with search and pagination.
import { and, count, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { DbOrTx } from '../db/pool.js';
import { records } from '../db/schema/index.js';
import { notFound } from '../errors.js';
import { loadDtos } from './store.js';
import { RECORD_TYPES, type RecordDto, type RecordDtoByType, type RecordType } from './types.js';
import { parseInput } from './validate.js';

export const PAGE_SIZE_MAX = 100;
export const ListQuery = z.strictObject({
  searchTerm: z.string().trim().max(200, { error: 'must be at most 200 characters' }).optional().describe('case-insensitive substring of names and emails'),
  page: z.coerce.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).default(1),
  pageSize: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(PAGE_SIZE_MAX, { error: `must be at most ${PAGE_SIZE_MAX}` })
    .default(25),
});
export type ListQueryInput = z.input<typeof ListQuery>;

export interface RecordPage<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export async function getRecordOrThrow<T extends RecordType>(db: DbOrTx, principal: Principal, type: T, id: string): Promise<RecordDtoByType[T]> {
  parseInput(z.uuid({ error: 'must be a UUID' }), id, 'id');
  const loaded = await loadDtos(db, principal.companyId, [id]);
  const record = loaded.get(id);
  if (!record || record.type !== type) throw notFound(type, id);
  return record.dto as RecordDtoByType[T];
}

export const GetRecordsInput = z
  .array(z.strictObject({ entity: z.enum(RECORD_TYPES, { error: `must be one of ${RECORD_TYPES.join(', ')}` }), id: z.uuid({ error: 'must be a UUID' }) }))
  .min(1)
  .max(PAGE_SIZE_MAX);

/** Several records of any types, in the order asked; an unknown (or foreign) one is a 404 naming it. */
export async function getRecords(db: DbOrTx, principal: Principal, items: Array<{ entity: RecordType; id: string }>): Promise<Array<{ entity: RecordType; record: RecordDto }>> {
  const wanted = parseInput(GetRecordsInput, items, 'items');
  const loaded = await loadDtos(db, principal.companyId, wanted.map((item) => item.id));
  return wanted.map(({ entity, id }) => {
    const record = loaded.get(id);
    if (!record || record.type !== entity) throw notFound(entity, id);
    return { entity, record: record.dto };
  });
}

function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function listRecords<T extends RecordType>(db: DbOrTx, principal: Principal, type: T, query: ListQueryInput = {}): Promise<RecordPage<RecordDtoByType[T]>> {
  const { searchTerm, page, pageSize } = parseInput(ListQuery, query);
  const where = and(
    eq(records.companyId, principal.companyId),
    eq(records.type, type),
    searchTerm ? sql`${records.searchText} LIKE ${likePattern(searchTerm)}` : undefined,
  );
  const rows = await db
      .select({ id: records.id })
      .from(records)
      .where(where)
      .orderBy(desc(records.createdAt), desc(records.id))
      .limit(pageSize)
      .offset((page - 1) * pageSize);
  const [totalRow] = await db.select({ total: count() }).from(records).where(where);
  const loaded = await loadDtos(db, principal.companyId, rows.map((row) => row.id));
  return {
    items: rows.map((row) => loaded.get(row.id)!.dto as RecordDtoByType[T]),
    total: Number(totalRow?.total ?? 0),
    page,
    pageSize,
  };
}
