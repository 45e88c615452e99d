// CSV import of contacts and organizations: a header row, a mapping from CSV columns to fields or custom
// columns, a dry run that checks every row and writes nothing, and a real run that writes the valid rows
// through writeCreates — the same write, and so the same events, as any other create.
//
// Bounded and linear: the file, its columns and its rows have limits (below, documented in docs/operations.md)
// checked while it is read, before any row work; each row costs the columns it maps, not the header's width.
// The process stays responsive: reading and checking yield to the event loop every few milliseconds, and
// the write awaits the database between batches of 100.
// All or nothing: rows that fail their checks are reported and never written; the others are written in ONE
// transaction with their events and deliveries, so a failure at row 15 000 leaves nothing behind and the
// same file can simply be imported again.
import { v7 as uuidV7 } from 'uuid';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Principal } from '../../auth/principal.js';
import type { Db } from '../../db/pool.js';
import { AppError, validationError } from '../../errors.js';
import { EventTooLargeError } from '../../events/body-limit.js';
import { writeCreates } from '../commands.js';
import { loadColumnDefs } from '../custom-columns/columns.js';
import type { ColumnDef } from '../custom-columns/values.js';
import { prepareInput, type PreparedWrite } from '../prepare.js';
import { CREATE_SCHEMAS, MAX_BULK_ITEMS } from '../schemas.js';
import { parseInput } from '../validate.js';
import { readCsv, yielder } from './csv-reader.js';
import { IMPORT_MAX_COLUMNS, IMPORT_MAX_CSV_BYTES, IMPORT_MAX_ROWS } from './limits.js';

export const IMPORT_TYPES = ['contact', 'organization'] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];
export { IMPORT_MAX_COLUMNS, IMPORT_MAX_CSV_BYTES, IMPORT_MAX_ROWS };
const ERRORS_REPORTED_MAX = 1000;

const OWN_TARGETS: Record<ImportType, string[]> = {
  contact: ['firstName', 'lastName', 'emails', 'notes'],
  organization: ['name', 'notes'],
};

export const ImportInput = z
  .strictObject({
    csv: z
      .string({ error: 'must be the CSV text, header row first' })
      .min(1, { error: 'is empty' })
      .describe(`header row first; "," ";" or tab between values; at most ${IMPORT_MAX_CSV_BYTES / 1024 / 1024} MiB, ${IMPORT_MAX_COLUMNS} columns and ${IMPORT_MAX_ROWS} rows`),
    mapping: z
      .record(z.string(), z.string().nullable())
      .optional()
      .describe('CSV header → field ("firstName", "lastName", "emails", "name", "notes") or "custom:<columnId>"; null ignores the column. Omitted: headers are matched to field and column names.'),
    dryRun: z.boolean({ error: 'must be true or false' }).optional().describe('check every row, write nothing'),
  })
  .meta({ id: 'ImportInput' });

export interface ImportRowError {
  /** Spreadsheet row number: the header is row 1. */
  row: number;
  field?: string;
  message: string;
}

export interface ImportReport {
  dryRun: boolean;
  total: number;
  valid: number;
  created: number;
  errors: ImportRowError[];
}

/** A mapped CSV column: its position and the field or custom column it fills. */
interface MappedColumn {
  index: number;
  target: string;
}

const plain = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Header → target, for headers whose names obviously match a field or custom column. Linear in headers. */
function guessMapping(headers: string[], targets: string[], columns: ColumnDef[]): Map<string, string | null> {
  const known = new Map<string, string>();
  for (const column of columns) if (!known.has(plain(column.name))) known.set(plain(column.name), `custom:${column.id}`);
  for (const target of targets) known.set(plain(target), target);
  if (targets.includes('emails')) known.set('email', 'emails');
  return new Map(headers.map((header) => [header, known.get(plain(header)) ?? null]));
}

/**
 * The mapping as columns to read. A Map (never a plain object) throughout: headers such as `constructor` or
 * `__proto__` are data, not properties.
 */
function resolveMapping(type: ImportType, headers: string[], mapping: Map<string, string | null>, columns: Map<string, ColumnDef>): MappedColumn[] {
  const present = new Set(headers);
  for (const [header, target] of mapping) {
    if (!present.has(header)) {
      const list = headers.slice(0, 20).join(', ') + (headers.length > 20 ? `, … (${headers.length} in all)` : '');
      throw validationError(`mapping.${header}`, `the CSV has no column "${header}"; its columns: ${list}`);
    }
    if (target === null || OWN_TARGETS[type].includes(target)) continue;
    const columnId = target.startsWith('custom:') ? target.slice('custom:'.length) : '';
    if (!columns.has(columnId)) {
      throw validationError(`mapping.${header}`, `"${target}" is neither a field (${OWN_TARGETS[type].join(', ')}) nor "custom:<id>" of a ${type} custom column`);
    }
  }
  const mapped: MappedColumn[] = [];
  headers.forEach((header, index) => {
    const target = mapping.get(header);
    if (target) mapped.push({ index, target });
  });
  return mapped;
}

/**
 * The given mapping read from the raw input: a parsed object (and zod's record) drops a `__proto__` key, which
 * JSON.parse keeps as an own property, so a column named `__proto__` would silently go unmapped.
 */
function mappingOf(input: unknown): Map<string, string | null> {
  const raw = (input as { mapping: Record<string, unknown> }).mapping;
  const mapping = new Map<string, string | null>();
  for (const [header, target] of Object.entries(raw)) {
    if (target !== null && typeof target !== 'string') throw validationError(`mapping.${header}`, 'must be a field name, "custom:<columnId>" or null');
    mapping.set(header, target);
  }
  return mapping;
}

function rowToInput(cells: string[], mapped: MappedColumn[]): Record<string, unknown> {
  const input: Record<string, unknown> = Object.create(null);
  const customFieldValues: Array<{ columnId: string; value: string }> = [];
  let emails: string[] | undefined;
  for (const { index, target } of mapped) {
    const value = cells[index] ?? '';
    if (value === '') continue;
    if (target.startsWith('custom:')) customFieldValues.push({ columnId: target.slice('custom:'.length), value });
    else if (target === 'emails') (emails ??= []).push(...value.split(/[,;\s]+/).filter(Boolean));
    else input[target] = value;
  }
  if (emails) input.emails = emails;
  if (customFieldValues.length > 0) input.customFieldValues = customFieldValues;
  return { ...input };
}

export async function importRecords(db: Db, principal: Principal, type: ImportType, input: unknown): Promise<ImportReport> {
  const { csv, mapping: given, dryRun = false } = parseInput(ImportInput, input);
  const bytes = Buffer.byteLength(csv, 'utf8');
  if (bytes > IMPORT_MAX_CSV_BYTES) {
    throw new AppError('payload_too_large', `csv: is ${bytes} bytes; an import takes at most ${IMPORT_MAX_CSV_BYTES} bytes (${IMPORT_MAX_CSV_BYTES / 1024 / 1024} MiB): split the file`, 'csv');
  }
  const { headers, rows } = await readCsv(csv, { maxColumns: IMPORT_MAX_COLUMNS, maxRows: IMPORT_MAX_ROWS });
  const columns = await loadColumnDefs(db, principal.companyId, type);
  const mapping = given ? mappingOf(input) : guessMapping(headers, OWN_TARGETS[type], [...columns.values()]);
  const mapped = resolveMapping(type, headers, mapping, columns);

  const pause = yielder();
  const errors: ImportRowError[] = [];
  const valid: Array<{ row: number; prepared: PreparedWrite }> = [];
  for (let index = 0; index < rows.length; index++) {
    const row = index + 2;
    try {
      const parsed = parseInput(CREATE_SCHEMAS[type], rowToInput(rows[index]!, mapped));
      valid.push({ row, prepared: prepareInput(type, parsed, '', columns) });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (errors.length < ERRORS_REPORTED_MAX) errors.push({ row, ...(error.field ? { field: error.field } : {}), message: error.message });
    }
    const paused = pause();
    if (paused) await paused;
  }

  let created = 0;
  if (!dryRun && valid.length > 0) created = await writeAll(db, principal, type, valid, mapped);
  return { dryRun, total: rows.length, valid: valid.length, created, errors };
}

/** Writes every valid row in one transaction, in batches of MAX_BULK_ITEMS; any failure writes nothing. */
async function writeAll(db: Db, principal: Principal, type: ImportType, valid: Array<{ row: number; prepared: PreparedWrite }>, mapped: MappedColumn[]): Promise<number> {
  return db.transaction(async (tx) => {
    // The custom columns the rows were checked against must outlive the import: KEY SHARE keeps them from
    // being deleted until commit (a value of a deleted column would otherwise fail its foreign key).
    const columnIds = [...new Set(mapped.filter((m) => m.target.startsWith('custom:')).map((m) => m.target.slice('custom:'.length)))].sort();
    if (columnIds.length > 0) {
      const { rows: locked } = await tx.execute<{ id: string }>(
        sql`SELECT id FROM custom_columns WHERE company_id = ${principal.companyId} AND id = ANY(${sql.param(columnIds)}::uuid[]) ORDER BY id FOR KEY SHARE`,
      );
      const gone = columnIds.find((id) => !locked.some((row) => row.id === id));
      if (gone) throw new AppError('conflict', `custom column ${gone} was deleted while the file was being checked; nothing was imported, import the file again`);
    }
    let created = 0;
    for (let start = 0; start < valid.length; start += MAX_BULK_ITEMS) {
      const batch = valid.slice(start, start + MAX_BULK_ITEMS);
      const ids = batch.map(() => uuidV7()); // time-ordered, as writeCreates' (commands.ts)
      try {
        created += (await writeCreates(tx, principal, type, batch.map((item) => item.prepared), ids))[0].length;
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        const at = error instanceof EventTooLargeError ? ids.findIndex((id) => id === error.entityId) : -1;
        const rows = at >= 0 ? `row ${batch[at]!.row}` : `rows ${batch[0]!.row}–${batch[batch.length - 1]!.row}`;
        throw new AppError(error.code, `${rows}: ${error.message} (nothing was imported)`, error.field);
      }
    }
    return created;
  });
}
