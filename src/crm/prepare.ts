// Turning parsed command input into what gets written: own columns, normalized notes, link targets, assigned
// users and custom values, checked against the database (every referenced id must exist in the company and be
// of the right type; every custom value must fit its column). Errors name the field as a dotted path.
import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../db/pool.js';
import { records, users } from '../db/schema/index.js';
import { validationError } from '../errors.js';
import { checkColumnValue, type ColumnDef } from './custom-columns/values.js';
import { normalizeNotes, type TiptapDoc } from './notes.js';
import type { CreateInput, UpdateInput } from './schemas.js';
import { articleFor, RELATIONS, type RecordType } from './types.js';
import { fieldPath } from './validate.js';

export interface OwnColumns {
  name?: string;
  firstName?: string;
  lastName?: string;
  emails?: string[];
  amount?: string;
  status?: 'open' | 'done';
  dueDate?: string | null;
}

export interface LinkTarget {
  id: string;
  quantity: number | null;
}

export interface PreparedWrite {
  /** The item's path prefix for error messages ('' for a single record, 'items.3' in bulk). */
  path: string;
  own: OwnColumns;
  notes?: TiptapDoc | null;
  /** Link fields present in the input, each replacing its whole set. */
  links: Map<string, LinkTarget[]>;
  userIds?: string[];
  /** Values to set (string) or clear (null), by column. */
  customFieldValues?: Array<{ columnId: string; value: string | null }>;
}

const OWN_FIELDS = ['name', 'firstName', 'lastName', 'emails', 'amount', 'status', 'dueDate'] as const;

export function prepareInput(type: RecordType, input: CreateInput | UpdateInput, path: string, columns: Map<string, ColumnDef>): PreparedWrite {
  const source = input as Record<string, unknown>;
  const own: OwnColumns = {};
  for (const field of OWN_FIELDS) {
    if (source[field] === undefined) continue;
    const value = source[field];
    if (field === 'amount') own.amount = String(value);
    else if (field === 'emails') own.emails = [...new Set((value as string[]).map((email) => email.trim().toLowerCase()))];
    else (own as Record<string, unknown>)[field] = value;
  }
  const links = new Map<string, LinkTarget[]>();
  for (const field of Object.keys(RELATIONS[type])) {
    const value = source[field];
    if (value === undefined) continue;
    if (field === 'services') {
      const services = value as Array<{ serviceId: string; quantity?: number }>;
      const seen = new Set<string>();
      services.forEach((s, index) => {
        if (seen.has(s.serviceId)) throw validationError(fieldPath(path, `services.${index}.serviceId`), `service ${s.serviceId} is listed twice`);
        seen.add(s.serviceId);
      });
      links.set(field, services.map((s) => ({ id: s.serviceId, quantity: s.quantity ?? 1 })));
    } else {
      links.set(field, [...new Set(value as string[])].map((id) => ({ id, quantity: null })));
    }
  }
  const prepared: PreparedWrite = { path, own, links };
  if (source.notes !== undefined) prepared.notes = normalizeNotes(source.notes, fieldPath(path, 'notes'));
  if (source.userIds !== undefined) prepared.userIds = [...new Set(source.userIds as string[])];
  if (source.customFieldValues !== undefined) {
    prepared.customFieldValues = prepareCustomValues(type, source.customFieldValues as Array<{ columnId: string; value: string | null }>, path, columns);
  }
  return prepared;
}

function prepareCustomValues(
  type: RecordType,
  values: Array<{ columnId: string; value: string | null }>,
  path: string,
  columns: Map<string, ColumnDef>,
): Array<{ columnId: string; value: string | null }> {
  const seen = new Set<string>();
  return values.map(({ columnId, value }, index) => {
    const at = (field: string) => fieldPath(path, `customFieldValues.${index}${field}`);
    const column = columns.get(columnId);
    if (!column) throw validationError(at('.columnId'), `there is no custom column ${columnId} for ${type} records`);
    if (seen.has(columnId)) throw validationError(at('.columnId'), `column ${columnId} is listed twice`);
    seen.add(columnId);
    if (value === null || value.trim() === '') return { columnId, value: null };
    const check = checkColumnValue(column, value);
    if (!check.ok) throw validationError(at('.value'), `${column.type} column "${column.name}": ${check.message}`);
    return { columnId, value: check.value };
  });
}

/**
 * Every linked id must be a record of the right type in the company; every assigned user a user of it.
 * Callers lock the linked records first (RecordWrite.track); assigned users are locked here (KEY SHARE).
 */
export async function checkReferences(db: DbOrTx, companyId: string, type: RecordType, items: PreparedWrite[]): Promise<void> {
  const relations = RELATIONS[type] as Record<string, RecordType>;
  const recordIds = new Set<string>();
  const userIds = new Set<string>();
  for (const item of items) {
    for (const targets of item.links.values()) for (const target of targets) recordIds.add(target.id);
    for (const id of item.userIds ?? []) userIds.add(id);
  }
  const found =
    recordIds.size === 0
      ? []
      : await db
          .select({ id: records.id, type: records.type })
          .from(records)
          .where(and(eq(records.companyId, companyId), inArray(records.id, [...recordIds])));
  const foundUsers =
    userIds.size === 0
      ? []
      : await db
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.companyId, companyId), inArray(users.id, [...userIds])))
          .orderBy(users.id)
          // A user deleted before commit would fail the record_users insert on its foreign key.
          .for('key share');
  const typeOf = new Map(found.map((row) => [row.id, row.type]));
  const knownUsers = new Set(foundUsers.map((row) => row.id));
  for (const item of items) {
    for (const [field, targets] of item.links) {
      const target = relations[field]!;
      targets.forEach(({ id }, index) => {
        if (typeOf.get(id) !== target) {
          const where = field === 'services' ? `services.${index}.serviceId` : `${field}.${index}`;
          throw validationError(fieldPath(item.path, where), `${articleFor(target).replace(/^an? /, '')} ${id} was not found`);
        }
      });
    }
    (item.userIds ?? []).forEach((id, index) => {
      if (!knownUsers.has(id)) throw validationError(fieldPath(item.path, `userIds.${index}`), `user ${id} was not found in your company`);
    });
  }
}
