// Filter validation (spec §13): the shape of each node with zod, then the meaning against the record types the
// webhook subscribes to and the company's custom columns. Every problem is a 400 naming the node by its path,
// e.g. `filter.all[1].value`, and saying what is allowed. The result is the filter as stored: values are
// normalized into the form event payloads hold (numbers as numbers, emails lower-cased, a singleSelect option
// given by its label turned into its value), so evaluate.ts compares without knowing any column.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/pool.js';
import { customColumns } from '../../db/schema/index.js';
import { validationError } from '../../errors.js';
import type { EventName, RecordType } from '../../events/catalog.js';
import { isValidIsoDate } from '../../crm/custom-columns/values.js';
import { notOneOf, zodIssueMessage } from '../../validation.js';
import { FILTER_OPS, OPS_BY_KIND, resolveField, type FieldSpec, type FilterColumn, type FilterOp } from './fields.js';

export const MAX_FILTER_DEPTH = 5;
export const MAX_FILTER_CONDITIONS = 50;
export const MAX_IN_VALUES = 100;
export const MAX_FILTER_TEXT_LENGTH = 1000;

export interface FilterCondition {
  field: string;
  op: FilterOp;
  value?: unknown;
}
export type FilterNode = { all: FilterNode[] } | { any: FilterNode[] } | { not: FilterNode } | FilterCondition;

export interface FilterScope {
  /** The record types of the subscribed events: a field must exist on each of them. */
  recordTypes: readonly RecordType[];
  /** The company's custom columns by id. */
  columns: ReadonlyMap<string, FilterColumn>;
}

const NO_VALUE_OPS: readonly FilterOp[] = ['changed', 'isNull', 'notNull'];

const ConditionShape = z.strictObject({
  field: z.string({ error: 'must be a string: a DTO field such as "name" or "custom:<columnId>"' }).min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' }),
  op: z.enum(FILTER_OPS, { error: notOneOf('an op', FILTER_OPS) }),
  value: z.unknown().optional(),
});
const GroupShape = (key: 'all' | 'any') =>
  z.strictObject({
    [key]: z
      .array(z.unknown(), { error: 'must be an array of nodes' })
      .min(1, { error: 'must hold at least one node' })
      .max(MAX_FILTER_CONDITIONS, { error: `must hold at most ${MAX_FILTER_CONDITIONS} nodes` }),
  });
const NotShape = z.strictObject({ not: z.unknown() });

const NODE_HELP = 'a node is {"all": [node…]}, {"any": [node…]}, {"not": node} or a condition {"field", "op", "value"?}';

/** `filter.all[1].value` from a base and a zod path. */
function pathOf(base: string, path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`), base);
}

function shapeOrThrow<T>(schema: z.ZodType<T>, input: unknown, path: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw validationError(pathOf(path, issue.path), zodIssueMessage(issue));
}

interface Walk {
  scope: FilterScope;
  conditions: number;
}

function parseNode(raw: unknown, path: string, depth: number, walk: Walk): FilterNode {
  if (depth > MAX_FILTER_DEPTH) throw validationError(path, `filters nest at most ${MAX_FILTER_DEPTH} levels deep`);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw validationError(path, `must be an object; ${NODE_HELP}`);
  const keys = Object.keys(raw);
  if (keys.includes('all') || keys.includes('any')) {
    const key = keys.includes('all') ? 'all' : 'any';
    const group = shapeOrThrow(GroupShape(key), raw, path) as Record<typeof key, unknown[]>;
    const children = group[key].map((child, index) => parseNode(child, `${path}.${key}[${index}]`, depth + 1, walk));
    return key === 'all' ? { all: children } : { any: children };
  }
  if (keys.includes('not')) {
    const { not } = shapeOrThrow(NotShape, raw, path);
    return { not: parseNode(not, `${path}.not`, depth + 1, walk) };
  }
  if (!keys.includes('field') && !keys.includes('op')) throw validationError(path, `is not a filter node; ${NODE_HELP}`);
  walk.conditions += 1;
  if (walk.conditions > MAX_FILTER_CONDITIONS) throw validationError(path, `a filter holds at most ${MAX_FILTER_CONDITIONS} conditions`);
  return parseCondition(shapeOrThrow(ConditionShape, raw, path), path, walk.scope);
}

function parseCondition(condition: z.output<typeof ConditionShape>, path: string, scope: FilterScope): FilterCondition {
  const { field, op } = condition;
  let spec: FieldSpec | undefined;
  for (const type of scope.recordTypes) {
    const resolved = resolveField(type, field, scope.columns);
    if (!resolved.ok) throw validationError(`${path}.field`, resolved.message);
    spec ??= resolved.spec;
    const allowed = OPS_BY_KIND[resolved.spec.kind];
    if (!allowed.includes(op)) {
      throw validationError(`${path}.op`, `op "${op}" does not apply to ${resolved.spec.label} (${resolved.spec.kind}); allowed for it: ${allowed.join(', ')}`);
    }
  }
  if (!spec) throw validationError(path, 'the webhook subscribes to no record events to filter');
  const hasValue = 'value' in condition && condition.value !== undefined;
  if (NO_VALUE_OPS.includes(op)) {
    if (hasValue) throw validationError(`${path}.value`, `must be left out for op "${op}"`);
    return { field, op };
  }
  if (!hasValue) throw validationError(`${path}.value`, `is required for op "${op}"`);
  return { field, op, value: parseValue(condition.value, op, spec, `${path}.value`) };
}

function parseValue(value: unknown, op: FilterOp, spec: FieldSpec, path: string): unknown {
  if (op === 'in') {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IN_VALUES) {
      throw validationError(path, `must be an array of 1–${MAX_IN_VALUES} values for op "in"`);
    }
    return value.map((item, index) => parseScalar(item, spec, `${path}[${index}]`, true));
  }
  if (op === 'contains') return parseContained(value, spec, path);
  return parseScalar(value, spec, path, op !== 'gt' && op !== 'lt');
}

function parseContained(value: unknown, spec: FieldSpec, path: string): string {
  if (spec.kind === 'idArray' || spec.kind === 'services') {
    if (typeof value !== 'string' || !z.uuid().safeParse(value).success) throw validationError(path, `must be a record id (UUID) to look for in ${spec.label}`);
    return value.toLowerCase();
  }
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_FILTER_TEXT_LENGTH) {
    throw validationError(path, `must be a non-empty string of at most ${MAX_FILTER_TEXT_LENGTH} characters`);
  }
  return spec.kind === 'textArray' ? value.trim().toLowerCase() : value;
}

function parseScalar(value: unknown, spec: FieldSpec, path: string, nullAllowed: boolean): unknown {
  if (value === null) {
    if (nullAllowed && spec.nullable) return null;
    throw validationError(path, nullAllowed ? `${spec.label} is never null; use a value of its type` : 'must not be null; use isNull / notNull to test for null');
  }
  switch (spec.kind) {
    case 'text': {
      if (typeof value !== 'string' || value.length > MAX_FILTER_TEXT_LENGTH) throw validationError(path, `must be a string of at most ${MAX_FILTER_TEXT_LENGTH} characters`);
      // Email columns store addresses lower-cased; compare like with like.
      return spec.lowerCase ? value.trim().toLowerCase() : value;
    }
    case 'number': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      if (!Number.isFinite(number)) throw validationError(path, `must be a number for ${spec.label}, e.g. 1000 or 12.5`);
      return number;
    }
    case 'date':
      if (typeof value !== 'string' || !isValidIsoDate(value)) throw validationError(path, `must be a date as YYYY-MM-DD for ${spec.label}`);
      return value;
    case 'datetime': {
      if (typeof value !== 'string' || !z.iso.datetime({ offset: true }).safeParse(value).success) {
        throw validationError(path, `must be an ISO-8601 date-time such as 2026-04-22T10:00:00.000Z for ${spec.label}`);
      }
      return new Date(value).toISOString();
    }
    case 'enum': {
      const options = spec.options ?? [];
      const text = typeof value === 'string' ? value : undefined;
      if (text !== undefined && options.includes(text)) return text;
      const byLabel = text === undefined ? undefined : spec.optionLabels?.get(text.trim().toLowerCase());
      if (byLabel !== undefined) return byLabel;
      throw validationError(path, `${JSON.stringify(value)} is not a value of ${spec.label}; allowed: ${options.map((o) => `"${o}"`).join(', ') || 'none defined'}`);
    }
    case 'id':
      if (typeof value !== 'string' || !z.uuid().safeParse(value).success) throw validationError(path, 'must be a record id (UUID)');
      return value.toLowerCase();
    default:
      throw validationError(path, `${spec.label} takes no value here`);
  }
}

/** Validates and normalizes a filter against a scope; throws a 400 naming the node. `null` stays null (no filter). */
export function parseFilterOrThrow(raw: unknown, scope: FilterScope, base = 'filter'): FilterNode | null {
  if (raw === null || raw === undefined) return null;
  return parseNode(raw, base, 1, { scope, conditions: 0 });
}

/** The record types behind a list of event names, each once. */
export function recordTypesOf(events: readonly string[]): RecordType[] {
  return [...new Set(events.map((name) => name.split('.')[0] as RecordType))];
}

/** The company's custom columns, keyed by id, as filters resolve them. */
export async function loadFilterColumns(db: DbOrTx, companyId: string): Promise<Map<string, FilterColumn>> {
  const rows = await db.select().from(customColumns).where(and(eq(customColumns.companyId, companyId)));
  return new Map(rows.map((row) => [row.id, { id: row.id, name: row.name, type: row.type, options: row.options, entityType: row.entityType }]));
}

/** Saving a webhook: the filter checked against its subscribed events and the company's columns right now. */
export async function validateWebhookFilter(db: DbOrTx, companyId: string, raw: unknown, events: readonly EventName[]): Promise<FilterNode | null> {
  if (raw === null || raw === undefined) return null;
  return parseFilterOrThrow(raw, { recordTypes: recordTypesOf(events), columns: await loadFilterColumns(db, companyId) });
}
