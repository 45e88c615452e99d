// CSV import of contacts and organizations: a header row, a mapping from CSV columns to fields or custom
// columns, a dry run that checks every row and writes nothing, and a real run that writes the valid rows in
// batches through createRecords — the same command, and so the same events, as any other create.
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { Principal } from '../../auth/principal.js';
import type { Db } from '../../db/pool.js';
import { AppError, validationError } from '../../errors.js';
import { createRecords } from '../commands.js';
import { loadColumnDefs } from '../custom-columns/columns.js';
import { prepareInput } from '../prepare.js';
import { CREATE_SCHEMAS, MAX_BULK_ITEMS } from '../schemas.js';
import { parseInput } from '../validate.js';

export const IMPORT_TYPES = ['contact', 'organization'] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];
export const IMPORT_MAX_ROWS = 50_000;
const ERRORS_REPORTED_MAX = 1000;

const OWN_TARGETS: Record<ImportType, string[]> = {
  contact: ['firstName', 'lastName', 'emails', 'notes'],
  organization: ['name', 'notes'],
};

export const ImportInput = z
  .strictObject({
    csv: z.string({ error: 'must be the CSV text, header row first' }).min(1, { error: 'is empty' }),
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

const plain = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');

function guessMapping(headers: string[], targets: string[], columns: Array<{ id: string; name: string }>): Record<string, string | null> {
  return Object.fromEntries(
    headers.map((header) => {
      const key = plain(header);
      const own = targets.find((t) => plain(t) === key || (t === 'emails' && key === 'email'));
      const column = columns.find((c) => plain(c.name) === key);
      return [header, own ?? (column ? `custom:${column.id}` : null)];
    }),
  );
}

function readCsv(csv: string): { headers: string[]; rows: string[][] } {
  let table: string[][];
  try {
    table = parse(csv, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (error) {
    throw validationError('csv', `is not valid CSV: ${(error as Error).message}`);
  }
  const [headers, ...rows] = table;
  if (!headers || headers.length === 0) throw validationError('csv', 'needs a header row');
  if (rows.length > IMPORT_MAX_ROWS) throw validationError('csv', `has ${rows.length} rows; at most ${IMPORT_MAX_ROWS} per import`);
  return { headers, rows };
}

export async function importRecords(db: Db, principal: Principal, type: ImportType, input: unknown): Promise<ImportReport> {
  const { csv, mapping: given, dryRun = false } = parseInput(ImportInput, input);
  const { headers, rows } = readCsv(csv);
  const columns = await loadColumnDefs(db, principal.companyId, type);
  const mapping = given ?? guessMapping(headers, OWN_TARGETS[type], [...columns.values()]);
  for (const [header, target] of Object.entries(mapping)) {
    if (!headers.includes(header)) throw validationError(`mapping.${header}`, `the CSV has no column "${header}"; its columns: ${headers.join(', ')}`);
    if (target === null || OWN_TARGETS[type].includes(target)) continue;
    const columnId = target.startsWith('custom:') ? target.slice('custom:'.length) : '';
    if (!columns.has(columnId)) {
      throw validationError(`mapping.${header}`, `"${target}" is neither a field (${OWN_TARGETS[type].join(', ')}) nor "custom:<id>" of a ${type} custom column`);
    }
  }

  const errors: ImportRowError[] = [];
  const valid: unknown[] = [];
  rows.forEach((cells, index) => {
    const row = index + 2;
    const record = rowToInput(headers, cells, mapping);
    try {
      const parsed = parseInput(CREATE_SCHEMAS[type], record);
      prepareInput(type, parsed, '', columns);
      valid.push(record);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (errors.length < ERRORS_REPORTED_MAX) errors.push({ row, ...(error.field ? { field: error.field } : {}), message: error.message });
    }
  });

  let created = 0;
  if (!dryRun) {
    // One transaction per batch: a 50 000-row file never holds one huge transaction, and each batch's
    // events commit with its records.
    for (let start = 0; start < valid.length; start += MAX_BULK_ITEMS) {
      created += (await createRecords(db, principal, type, valid.slice(start, start + MAX_BULK_ITEMS))).length;
    }
  }
  return { dryRun, total: rows.length, valid: valid.length, created, errors };
}

function rowToInput(headers: string[], cells: string[], mapping: Record<string, string | null>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const customFieldValues: Array<{ columnId: string; value: string }> = [];
  headers.forEach((header, column) => {
    const target = mapping[header];
    const value = cells[column] ?? '';
    if (!target || value === '') return;
    if (target.startsWith('custom:')) customFieldValues.push({ columnId: target.slice('custom:'.length), value });
    else if (target === 'emails') input.emails = [...((input.emails as string[]) ?? []), ...value.split(/[,;\s]+/).filter(Boolean)];
    else input[target] = value;
  });
  if (customFieldValues.length > 0) input.customFieldValues = customFieldValues;
  return input;
}
