// The record commands every surface calls (REST, MCP, UI, CSV import). Each validates its input with the
// schemas in ./schemas.ts, runs in one transaction (a savepoint when given one) and publishes its events
// through a RecordWrite in that transaction: one event per record that moved, fan-out included.
import { v7 as uuidV7 } from 'uuid';
import { eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { executeNamed, type DbOrTx, type Tx } from '../db/pool.js';
import { records } from '../db/schema/index.js';
import { AppError, notFound, validationError } from '../errors.js';
import { loadColumnDefs } from './custom-columns/columns.js';
import type { ColumnDef } from './custom-columns/values.js';
import { insertLinks, insertUsers, linkRow, mergeCustomValues, replaceLinks, replaceUsers, upsertCustomValues } from './mutations.js';
import { checkReferences, prepareInput, type PreparedWrite } from './prepare.js';
import { CREATE_SCHEMAS, MAX_BULK_ITEMS, UPDATE_ITEM_SCHEMAS, type CreateInput } from './schemas.js';
import { bareRecordOf, ROW_COLUMNS, searchTextOf, type BareRow, type LoadedRecord } from './store.js';
import { RELATIONS, type RecordDto, type RecordDtoByType, type RecordType } from './types.js';
import { parseInput } from './validate.js';
import { openWrite, type RecordWrite } from './write.js';

export interface BulkOptions {
  /** Name of the list in error paths: `items.3.name` by default, `contacts.3.name` for MCP's `{contacts: [...]}`. */
  path?: string;
}

function checkBatch(items: unknown, path: string): unknown[] {
  if (!Array.isArray(items)) throw validationError(path, 'must be an array');
  if (items.length < 1 || items.length > MAX_BULK_ITEMS) throw validationError(path, `must hold 1 to ${MAX_BULK_ITEMS} items; got ${items.length}`);
  return items;
}

/** The type's custom columns, read only when some input sets custom values (one query less per plain write). */
async function columnsFor(tx: Tx, principal: Principal, type: RecordType, inputs: object[]): Promise<Map<string, ColumnDef>> {
  const needed = inputs.some((input) => (input as { customFieldValues?: unknown }).customFieldValues !== undefined);
  return needed ? loadColumnDefs(tx, principal.companyId, type) : new Map();
}

/**
 * Bound of one write's fan-out: every record a write reaches through links (the targets it links or unlinks,
 * the other side of a deleted record's links) is locked, read and may get `*.updated` in the write's
 * transaction. One record can always be deleted alone: every link added to a record publishes its
 * `*.updated` event, which carries the link field three times and is bounded by MAX_EVENT_BODY_BYTES, so no
 * record gets past ~8 900 links. The largest delete is thus 100 records and 10 000 neighbours' events.
 */
export const MAX_LINKED_RECORDS_PER_WRITE = 10_000;

function checkFanOut(reached: number, field: string, what: string, advice: string): void {
  if (reached <= MAX_LINKED_RECORDS_PER_WRITE) return;
  throw new AppError(
    'validation_error',
    `${field}: ${what} ${reached} other records, and one write updates at most ${MAX_LINKED_RECORDS_PER_WRITE} linked records (each gets an event in the same transaction); ${advice}`,
    field,
  );
}

/** Where to point a fan-out error: the list of a bulk write, else the link field with the most targets. */
function fanOutField(items: PreparedWrite[]): string {
  const list = items[0]?.path.split('.')[0];
  if (list) return list;
  let largest = { field: 'ids', size: -1 };
  for (const [field, targets] of items[0]?.links ?? []) if (targets.length > largest.size) largest = { field, size: targets.length };
  return largest.field;
}

function inOrder<T extends RecordType>(ids: string[], loaded: Map<string, LoadedRecord>): Array<RecordDtoByType[T]> {
  return ids.map((id) => loaded.get(id)!.dto as RecordDtoByType[T]);
}

export async function createRecords<T extends RecordType>(
  db: DbOrTx,
  principal: Principal,
  type: T,
  inputs: unknown[],
  options: BulkOptions = {},
): Promise<Array<RecordDtoByType[T]>> {
  const path = options.path ?? 'items';
  const items = checkBatch(inputs, path);
  const parsed = items.map((input, index) => parseInput(CREATE_SCHEMAS[type], input, `${path}.${index}`) as CreateInput);
  return db.transaction(async (tx) => {
    const columns = await columnsFor(tx, principal, type, parsed);
    const prepared = parsed.map((input, index) => prepareInput(type, input, `${path}.${index}`, columns));
    return inOrder<T>(...(await writeCreates(tx, principal, type, prepared)));
  });
}

/** Creates one record; errors name fields without a list prefix. */
export async function createRecord<T extends RecordType>(db: DbOrTx, principal: Principal, type: T, input: unknown): Promise<RecordDtoByType[T]> {
  const parsed = parseInput(CREATE_SCHEMAS[type], input) as CreateInput;
  return db.transaction(async (tx) => {
    const prepared = prepareInput(type, parsed, '', await columnsFor(tx, principal, type, [parsed]));
    return inOrder<T>(...(await writeCreates(tx, principal, type, [prepared])))[0]!;
  });
}

const CREATE_DEFAULTS: Record<RecordType, Record<string, unknown>> = {
  contact: { firstName: '', lastName: '', emails: [] },
  organization: {},
  deal: {},
  service: {},
  task: { status: 'open', dueDate: null },
};

/**
 * Inserts prepared records (already validated against their schema) with their links, users and values.
 * `ids` (one per item) lets a caller know the new ids before the write, e.g. to map an error to its row.
 */
export async function writeCreates(
  tx: Tx,
  principal: Principal,
  type: RecordType,
  items: PreparedWrite[],
  // Time-ordered (UUID version 7): new records append to their keys' indexes, and to the delivery log's index by
  // record, instead of landing on random pages of them.
  ids: string[] = items.map(() => uuidV7()),
): Promise<[string[], Map<string, LoadedRecord>]> {
  const write = openWrite(tx, principal);
  const targets = new Set(items.flatMap((item) => [...item.links.values()].flatMap((list) => list.map((t) => t.id))));
  checkFanOut(targets.size, fanOutField(items), 'these records link to', 'create fewer records, or link fewer, at once');
  // Lock the link targets first, check them after: checked unlocked, a target deleted in between would fail
  // the link insert on its foreign key (a 500) instead of answering which field names a missing record.
  await write.track(targets);
  await checkReferences(tx, principal.companyId, type, items);
  const now = new Date().toISOString();
  // Records with nothing but their own columns are read back by the insert itself (one statement less).
  const bare = items.every(
    (item) => [...item.links.values()].every((targets) => targets.length === 0) && !item.userIds?.length && !item.customFieldValues?.some((v) => v.value !== null),
  );
  write.created(ids, await insertRecords(tx, principal.companyId, type, items, ids, now, bare));
  const relations = RELATIONS[type] as Record<string, RecordType>;
  await insertLinks(
    tx,
    items.flatMap((item, index) =>
      [...item.links].flatMap(([field, targets]) => targets.map((target) => linkRow(principal.companyId, type, ids[index]!, relations[field]!, target))),
    ),
  );
  await insertUsers(tx, items.flatMap((item, index) => (item.userIds ?? []).map((userId) => ({ recordId: ids[index]!, userId }))));
  await upsertCustomValues(
    tx,
    items.flatMap((item, index) => (item.customFieldValues ?? []).flatMap((v) => (v.value === null ? [] : [{ recordId: ids[index]!, columnId: v.columnId, value: v.value }]))),
  );
  return [ids, await write.finish()];
}

/**
 * The records of a create in one statement with one parameter (a JSON array of rows): no per-value work in
 * the query builder, and the same statement text whatever the batch size. Columns left out take their defaults.
 * With `returning`, the rows come back as loadDtos would read them (the caller knows they have no links, users
 * or custom values).
 */
async function insertRecords(
  tx: Tx,
  companyId: string,
  type: RecordType,
  items: PreparedWrite[],
  ids: string[],
  now: string,
  returning: boolean,
): Promise<Map<string, LoadedRecord> | undefined> {
  const rows = JSON.stringify(
    items.map((item, index) => {
      const own: PreparedWrite['own'] = { ...CREATE_DEFAULTS[type], ...item.own };
      return {
        id: ids[index],
        name: own.name,
        first_name: own.firstName,
        last_name: own.lastName,
        emails: own.emails,
        amount: own.amount,
        status: own.status,
        due_date: own.dueDate,
        notes: item.notes ?? null,
        search_text: searchTextOf(own),
      };
    }),
  );
  const { rows: inserted } = await executeNamed<BareRow & Record<string, unknown>>(tx, returning ? 'insert-records-returning' : 'insert-records', sql`
    INSERT INTO records AS r (id, company_id, type, name, first_name, last_name, emails, amount, status, due_date, notes, search_text, created_at, updated_at)
    SELECT x.id, ${companyId}::uuid, ${type}, x.name, x.first_name, x.last_name, x.emails, x.amount, x.status, x.due_date, x.notes, x.search_text,
      ${now}::timestamptz, ${now}::timestamptz
    FROM json_to_recordset(${rows}::json)
      AS x(id uuid, name text, first_name text, last_name text, emails text[], amount numeric, status text, due_date date, notes jsonb, search_text text)
    ${returning ? sql`RETURNING ${ROW_COLUMNS}` : sql``}`);
  return returning ? new Map(inserted.map((row) => [row.id, bareRecordOf(row)])) : undefined;
}

export async function updateRecords<T extends RecordType>(
  db: DbOrTx,
  principal: Principal,
  type: T,
  patches: unknown[],
  options: BulkOptions = {},
): Promise<Array<RecordDtoByType[T]>> {
  const path = options.path ?? 'items';
  const items = checkBatch(patches, path);
  const parsed = items.map((patch, index) => parseInput(UPDATE_ITEM_SCHEMAS[type], patch, `${path}.${index}`) as { id: string });
  const seen = new Set<string>();
  parsed.forEach(({ id }, index) => {
    if (seen.has(id)) throw validationError(`${path}.${index}.id`, `${type} ${id} is listed twice`);
    seen.add(id);
  });
  return db.transaction(async (tx) => {
    const columns = await columnsFor(tx, principal, type, parsed);
    const prepared = parsed.map(({ id, ...patch }, index) => ({ id, ...prepareInput(type, patch, `${path}.${index}`, columns) }));
    return inOrder<T>(...(await writeUpdates(tx, principal, type, prepared, path)));
  });
}

/** Updates one record; errors name fields without a list prefix. */
export async function updateRecord<T extends RecordType>(db: DbOrTx, principal: Principal, type: T, id: string, patch: unknown): Promise<RecordDtoByType[T]> {
  const parsed = parseInput(UPDATE_ITEM_SCHEMAS[type], { ...(patch as object), id }) as { id: string };
  return db.transaction(async (tx) => {
    const { id: _id, ...rest } = parsed;
    const prepared = { id, ...prepareInput(type, rest, '', await columnsFor(tx, principal, type, [rest])) };
    return inOrder<T>(...(await writeUpdates(tx, principal, type, [prepared])))[0]!;
  });
}

/** Locks and reads the records; an unknown or foreign id is a 404, naming `items.N.id` in a batch. */
async function trackOrThrow(write: RecordWrite, type: RecordType, ids: string[], path?: string): Promise<Map<string, RecordDto>> {
  await write.track(ids);
  const found = new Map<string, RecordDto>();
  ids.forEach((id, index) => {
    const before = write.before(id);
    if (!before || before.type !== type) {
      if (!path) throw notFound(type, id);
      const field = `${path}.${index}${path === 'ids' ? '' : '.id'}`;
      throw new AppError('not_found', `${field}: ${type} ${id} was not found`, field);
    }
    found.set(id, before.dto);
  });
  return found;
}

async function writeUpdates(
  tx: Tx,
  principal: Principal,
  type: RecordType,
  items: Array<PreparedWrite & { id: string }>,
  path?: string,
): Promise<[string[], Map<string, LoadedRecord>]> {
  const write = openWrite(tx, principal);
  const ids = items.map((item) => item.id);
  const before = await trackOrThrow(write, type, ids, path);
  // Fan-out: the other side of every link set that is replaced, and the deals of a service whose amount moves.
  const neighbours: string[] = [];
  for (const item of items) {
    const dto = before.get(item.id) as Record<string, unknown>;
    for (const [field, targets] of item.links) {
      neighbours.push(...linkedIds(dto, field), ...targets.map((t) => t.id));
    }
    if (type === 'service' && item.own.amount !== undefined) neighbours.push(...linkedIds(dto, 'dealIds'));
  }
  checkFanOut(new Set(neighbours).size, fanOutField(items), 'this update reaches, through the links it replaces,', 'update fewer records, or fewer link fields, at once');
  await write.track(neighbours);
  // After the targets are locked (see writeCreates).
  await checkReferences(tx, principal.companyId, type, items);
  const relations = RELATIONS[type] as Record<string, RecordType>;
  for (const item of items) {
    if (Object.keys(item.own).length > 0 || item.notes !== undefined) {
      const merged = { ...(before.get(item.id) as Record<string, unknown>), ...item.own };
      await tx
        .update(records)
        .set({ ...item.own, ...(item.notes !== undefined ? { notes: item.notes } : {}), searchText: searchTextOf(merged) })
        .where(eq(records.id, item.id));
    }
    for (const [field, targets] of item.links) await replaceLinks(tx, principal.companyId, type, item.id, relations[field]!, targets);
    if (item.userIds) await replaceUsers(tx, item.id, item.userIds);
    if (item.customFieldValues) await mergeCustomValues(tx, item.id, item.customFieldValues);
  }
  return [ids, await write.finish()];
}

/** The ids in a link field of a DTO (`services` lists objects). */
export function linkedIds(dto: Record<string, unknown>, field: string): string[] {
  const value = (dto[field] ?? []) as Array<string | { serviceId: string }>;
  return value.map((item) => (typeof item === 'string' ? item : item.serviceId));
}

/** Deletes records; every record that lost a link to them gets `*.updated`. Returns the deleted DTOs. */
const IdsInput = z
  .array(z.uuid({ error: 'must be a UUID' }))
  .min(1, { error: 'must hold at least 1 id' })
  .max(MAX_BULK_ITEMS, { error: `must hold at most ${MAX_BULK_ITEMS} ids` });

export async function deleteRecords<T extends RecordType>(db: DbOrTx, principal: Principal, type: T, ids: string[]): Promise<Array<RecordDtoByType[T]>> {
  const unique = [...new Set(parseInput(IdsInput, ids, 'ids'))];
  return db.transaction(async (tx) => {
    const write = openWrite(tx, principal);
    const before = await trackOrThrow(write, type, unique, unique.length > 1 ? 'ids' : undefined);
    const neighbours = new Set([...before.values()].flatMap((dto) => Object.keys(RELATIONS[type]).flatMap((field) => linkedIds(dto as Record<string, unknown>, field))));
    checkFanOut(neighbours.size, 'ids', `these ${unique.length} ${type} records are linked to`, 'delete fewer at once');
    await write.track(neighbours);
    await tx.delete(records).where(inArray(records.id, unique));
    write.deleted(unique);
    await write.finish();
    return unique.map((id) => before.get(id) as RecordDtoByType[T]);
  });
}
