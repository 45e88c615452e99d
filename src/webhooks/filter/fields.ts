// What a filter may test on each record type: every DTO field of spec §3 with its kind, and the custom columns
// of the company ("custom:<columnId>"). The kind decides which ops make sense and what a value must look like;
// evaluate.ts never needs it, because parse.ts normalizes every value into the form the payload holds.
import type { RecordType } from '../../events/catalog.js';
import type { ColumnDef, ColumnType } from '../../crm/custom-columns/values.js';

export const FILTER_OPS = ['changed', 'becomes', 'was', 'eq', 'neq', 'in', 'gt', 'lt', 'contains', 'isNull', 'notNull'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export type FieldKind =
  | 'text' // free text: equality, in, case-insensitive substring
  | 'number'
  | 'date' // YYYY-MM-DD
  | 'datetime' // ISO-8601 with milliseconds
  | 'enum' // task status, singleSelect custom columns
  | 'id'
  | 'idArray' // links and userIds: contains an id
  | 'textArray' // contact emails: contains an address
  | 'services' // deal services: contains a serviceId
  | 'doc' // Tiptap notes
  | 'customValues'; // the raw customFieldValues array (use custom:<columnId> to test one column)

export interface FieldSpec {
  kind: FieldKind;
  nullable: boolean;
  /** Allowed values of an enum (task status, singleSelect option values). */
  options?: readonly string[];
  /** singleSelect: lower-cased option label → option value, so a filter may name an option by its label. */
  optionLabels?: ReadonlyMap<string, string>;
  /** How errors name the field (the column's name for a custom field). */
  label: string;
  /** Values are stored lower-cased (email columns), so a filter's value is lower-cased too. */
  lowerCase?: boolean;
}

export const OPS_BY_KIND: Record<FieldKind, readonly FilterOp[]> = {
  text: ['changed', 'becomes', 'was', 'eq', 'neq', 'in', 'contains', 'isNull', 'notNull'],
  number: ['changed', 'becomes', 'was', 'eq', 'neq', 'in', 'gt', 'lt', 'isNull', 'notNull'],
  date: ['changed', 'becomes', 'was', 'eq', 'neq', 'in', 'gt', 'lt', 'isNull', 'notNull'],
  datetime: ['changed', 'eq', 'neq', 'gt', 'lt'],
  enum: ['changed', 'becomes', 'was', 'eq', 'neq', 'in', 'isNull', 'notNull'],
  id: ['eq', 'neq', 'in'],
  idArray: ['changed', 'contains'],
  textArray: ['changed', 'contains'],
  services: ['changed', 'contains'],
  doc: ['changed', 'isNull', 'notNull'],
  customValues: ['changed'],
};

const own = (kind: FieldKind, nullable = false, options?: readonly string[]) => ({ kind, nullable, ...(options ? { options } : {}) });
const COMMON = {
  id: own('id'),
  notes: own('doc', true),
  customFieldValues: own('customValues'),
  userIds: own('idArray'),
  createdAt: own('datetime'),
  updatedAt: own('datetime'),
};

export const TASK_STATUSES = ['open', 'done'] as const;

/** The DTO fields of spec §3, per record type. */
export const OWN_FIELDS: Record<RecordType, Record<string, Omit<FieldSpec, 'label'>>> = {
  contact: {
    ...COMMON,
    firstName: own('text'),
    lastName: own('text'),
    emails: own('textArray'),
    organizationIds: own('idArray'),
    dealIds: own('idArray'),
    taskIds: own('idArray'),
  },
  organization: { ...COMMON, name: own('text'), contactIds: own('idArray'), dealIds: own('idArray'), taskIds: own('idArray') },
  deal: {
    ...COMMON,
    name: own('text'),
    totalValue: own('number'),
    totalQuantity: own('number'),
    organizationIds: own('idArray'),
    contactIds: own('idArray'),
    taskIds: own('idArray'),
    services: own('services'),
  },
  service: { ...COMMON, name: own('text'), amount: own('number'), dealIds: own('idArray'), taskIds: own('idArray') },
  task: {
    ...COMMON,
    name: own('text'),
    status: own('enum', false, TASK_STATUSES),
    dueDate: own('date', true),
    contactIds: own('idArray'),
    organizationIds: own('idArray'),
    dealIds: own('idArray'),
    serviceIds: own('idArray'),
  },
};

export const CUSTOM_PREFIX = 'custom:';

export const KIND_OF_COLUMN: Record<ColumnType, FieldKind> = {
  text: 'text',
  email: 'text',
  phone: 'text',
  link: 'text',
  number: 'number',
  currency: 'number',
  date: 'date',
  singleSelect: 'enum',
};

/** A company's custom column with the record type it belongs to. */
export interface FilterColumn extends ColumnDef {
  entityType: RecordType;
}

/** The spec of `field` on `type`, or a message saying why the type lacks it. */
export function resolveField(
  type: RecordType,
  field: string,
  columns: ReadonlyMap<string, FilterColumn>,
): { ok: true; spec: FieldSpec; column?: FilterColumn } | { ok: false; message: string } {
  if (field.startsWith(CUSTOM_PREFIX)) {
    const columnId = field.slice(CUSTOM_PREFIX.length);
    const column = columns.get(columnId);
    if (!column) return { ok: false, message: `"${field}" names no custom column of this company (list them with GET /api/v1/custom-columns)` };
    if (column.entityType !== type) return { ok: false, message: `"${field}" ("${column.name}") is a custom column of ${column.entityType} records; ${type} events do not have it` };
    const kind = KIND_OF_COLUMN[column.type];
    return {
      ok: true,
      column,
      spec: {
        kind,
        nullable: true,
        label: `"${column.name}" (${column.type})`,
        lowerCase: column.type === 'email',
        ...(kind === 'enum'
          ? { options: column.options.map((o) => o.value), optionLabels: new Map(column.options.map((o) => [o.label.toLowerCase(), o.value])) }
          : {}),
      },
    };
  }
  // Own properties only: "__proto__", "constructor" or "toString" would otherwise find Object.prototype's.
  const spec = Object.hasOwn(OWN_FIELDS[type], field) ? OWN_FIELDS[type][field] : undefined;
  if (!spec) {
    return { ok: false, message: `${type} records have no field "${field}"; allowed: ${Object.keys(OWN_FIELDS[type]).join(', ')}, or custom:<columnId>` };
  }
  return { ok: true, spec: { ...spec, label: `"${field}"` } };
}
