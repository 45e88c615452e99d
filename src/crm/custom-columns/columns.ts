// Custom columns: defined per company and record type. Deleting a column, or removing a select option,
// changes the records that held a value, so those records get `*.updated` events like any other write.
// Defining, changing and deleting columns is for admins (a column's deletion erases every record's value);
// members read them and fill in values.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { requireAdmin, type Principal } from '../../auth/principal.js';
import type { DbOrTx, Tx } from '../../db/pool.js';
import { customColumns, customFieldValues } from '../../db/schema/index.js';
import { AppError, isUniqueViolation, notFound } from '../../errors.js';
import { RECORD_TYPES, type RecordType } from '../types.js';
import { parseInput } from '../validate.js';
import { openWrite } from '../write.js';
import { COLUMN_TYPES, type ColumnDef, type SelectOption } from './values.js';

export interface CustomColumnDto {
  id: string;
  entityType: RecordType;
  name: string;
  type: (typeof COLUMN_TYPES)[number];
  options: SelectOption[];
  createdAt: string;
  updatedAt: string;
}

const OptionInput = z.strictObject({
  value: z.string().trim().min(1).max(200).optional().describe('stable value stored on records; generated when omitted'),
  label: z.string().trim().min(1, { error: 'is required' }).max(200),
});
export const CreateCustomColumnInput = z
  .strictObject({
    entityType: z.enum(RECORD_TYPES, { error: `must be one of ${RECORD_TYPES.map((t) => `"${t}"`).join(', ')}` }),
    name: z.string().trim().min(1, { error: 'is required' }).max(100, { error: 'must be at most 100 characters' }),
    type: z.enum(COLUMN_TYPES, { error: `must be one of ${COLUMN_TYPES.map((t) => `"${t}"`).join(', ')}` }),
    options: z.array(OptionInput).max(200).optional().describe('singleSelect only'),
  })
  .meta({ id: 'CustomColumnCreateInput' });
export const UpdateCustomColumnInput = z
  .strictObject({
    name: CreateCustomColumnInput.shape.name.optional(),
    options: z.array(OptionInput).max(200).optional().describe('the whole option list; keep an option\'s value to keep it'),
  })
  .meta({ id: 'CustomColumnUpdateInput' });

type Row = typeof customColumns.$inferSelect;
const toDto = (row: Row): CustomColumnDto => ({
  id: row.id,
  entityType: row.entityType,
  name: row.name,
  type: row.type,
  options: row.options,
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
});

function normalizeOptions(type: string, options: Array<{ value?: string; label: string }> | undefined): SelectOption[] {
  if (type !== 'singleSelect') {
    if (options?.length) throw new AppError('validation_error', 'options: only singleSelect columns have options', 'options');
    return [];
  }
  const normalized = (options ?? []).map((o) => ({ value: o.value ?? randomUUID(), label: o.label }));
  const seen = new Set<string>();
  normalized.forEach((o, index) => {
    if (seen.has(o.value)) throw new AppError('validation_error', `options.${index}.value: "${o.value}" is used twice`, `options.${index}.value`);
    seen.add(o.value);
  });
  return normalized;
}

async function withNameCheck<T>(name: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('conflict', `name: a column named "${name}" already exists for this record type`, 'name');
    throw error;
  }
}

export async function listCustomColumns(db: DbOrTx, principal: Principal, entityType?: RecordType): Promise<CustomColumnDto[]> {
  if (entityType !== undefined) parseInput(CreateCustomColumnInput.shape.entityType, entityType, 'entityType');
  const rows = await db
    .select()
    .from(customColumns)
    .where(and(eq(customColumns.companyId, principal.companyId), entityType ? eq(customColumns.entityType, entityType) : undefined))
    .orderBy(asc(customColumns.entityType), asc(customColumns.createdAt), asc(customColumns.id));
  return rows.map(toDto);
}

/** The columns of one record type, as the value checks need them. */
export async function loadColumnDefs(db: DbOrTx, companyId: string, entityType: RecordType): Promise<Map<string, ColumnDef>> {
  const rows = await db
    .select()
    .from(customColumns)
    .where(and(eq(customColumns.companyId, companyId), eq(customColumns.entityType, entityType)));
  return new Map(rows.map((row) => [row.id, { id: row.id, name: row.name, type: row.type, options: row.options }]));
}

export async function getCustomColumnOrThrow(db: DbOrTx, principal: Principal, id: string): Promise<CustomColumnDto> {
  parseInput(z.uuid({ error: 'must be a UUID' }), id, 'id');
  const [row] = await db
    .select()
    .from(customColumns)
    .where(and(eq(customColumns.companyId, principal.companyId), eq(customColumns.id, id)));
  if (!row) throw notFound('custom column', id);
  return toDto(row);
}

export async function createCustomColumn(db: DbOrTx, principal: Principal, input: unknown): Promise<CustomColumnDto> {
  requireAdmin(principal, 'add custom columns');
  const parsed = parseInput(CreateCustomColumnInput, input);
  const options = normalizeOptions(parsed.type, parsed.options);
  return withNameCheck(parsed.name, async () => {
    const [row] = await db
      .insert(customColumns)
      .values({ companyId: principal.companyId, entityType: parsed.entityType, name: parsed.name, type: parsed.type, options })
      .returning();
    return toDto(row!);
  });
}

export async function updateCustomColumn(db: DbOrTx, principal: Principal, id: string, input: unknown): Promise<CustomColumnDto> {
  requireAdmin(principal, 'change custom columns');
  const parsed = parseInput(UpdateCustomColumnInput, input);
  return withNameCheck(parsed.name, () =>
    db.transaction(async (tx) => {
      const current = await getCustomColumnOrThrow(tx, principal, id);
      const options = parsed.options === undefined ? current.options : normalizeOptions(current.type, parsed.options);
      const kept = new Set(options.map((o) => o.value));
      const removed = current.options.filter((o) => !kept.has(o.value)).map((o) => o.value);
      // Records holding a removed option lose their value: an ordinary write with its events.
      if (removed.length > 0) await clearValues(tx, principal, current, removed);
      const [row] = await tx
        .update(customColumns)
        .set({ name: parsed.name ?? current.name, options, updatedAt: new Date().toISOString() })
        .where(eq(customColumns.id, id))
        .returning();
      return toDto(row!);
    }),
  );
}

export async function deleteCustomColumn(db: DbOrTx, principal: Principal, id: string): Promise<void> {
  requireAdmin(principal, 'delete custom columns');
  await db.transaction(async (tx) => {
    const column = await getCustomColumnOrThrow(tx, principal, id);
    await clearValues(tx, principal, column, null);
    await tx.delete(customColumns).where(eq(customColumns.id, id));
  });
}

/** Removes the column's values (all, or those in `onlyValues`) and publishes `*.updated` for each record. */
async function clearValues(tx: Tx, principal: Principal, column: CustomColumnDto, onlyValues: string[] | null): Promise<void> {
  const holders = await tx
    .select({ recordId: customFieldValues.recordId })
    .from(customFieldValues)
    .where(
      and(
        eq(customFieldValues.columnId, column.id),
        onlyValues ? sql`${customFieldValues.value} = ANY(${sql.param(onlyValues)}::text[])` : undefined,
      ),
    );
  if (holders.length === 0) return;
  const ids = holders.map((h) => h.recordId);
  const write = openWrite(tx, principal);
  await write.track(ids);
  await tx
    .delete(customFieldValues)
    .where(and(eq(customFieldValues.columnId, column.id), sql`${customFieldValues.recordId} = ANY(${sql.param(ids)}::uuid[])`));
  await write.finish();
}
