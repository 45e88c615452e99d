// What the UI knows about each record type: its labels, own fields, list columns and link fields.
import type { RecordData, RecordType } from '../api/types.js';

export type FieldKind = 'text' | 'emails' | 'money' | 'status' | 'date';

export interface OwnField {
  key: string;
  label: string;
  kind: FieldKind;
  required?: boolean;
}

export interface LinkField {
  key: string;
  label: string;
  target: RecordType;
}

export interface RecordConfig {
  singular: string;
  plural: string;
  path: string;
  fields: OwnField[];
  links: LinkField[];
  /** Columns of the list besides the title: label and how to show a record's value. */
  columns: { label: string; value: (record: RecordData) => string }[];
}

const count = (key: string) => (record: RecordData) => String((record[key] as unknown[] | undefined)?.length ?? 0);
const money = (value: unknown) => (typeof value === 'number' ? value.toLocaleString(undefined, { maximumFractionDigits: 2 }) : '—');

export const RECORD_CONFIG: Record<RecordType, RecordConfig> = {
  contact: {
    singular: 'Contact',
    plural: 'Contacts',
    path: '/contacts',
    fields: [
      { key: 'firstName', label: 'First name', kind: 'text', required: true },
      { key: 'lastName', label: 'Last name', kind: 'text' },
      { key: 'emails', label: 'Emails', kind: 'emails' },
    ],
    links: [
      { key: 'organizationIds', label: 'Organizations', target: 'organization' },
      { key: 'dealIds', label: 'Deals', target: 'deal' },
      { key: 'taskIds', label: 'Tasks', target: 'task' },
    ],
    columns: [
      { label: 'Emails', value: (r) => ((r.emails as string[] | undefined) ?? []).join(', ') || '—' },
      { label: 'Organizations', value: count('organizationIds') },
    ],
  },
  organization: {
    singular: 'Organization',
    plural: 'Organizations',
    path: '/organizations',
    fields: [{ key: 'name', label: 'Name', kind: 'text', required: true }],
    links: [
      { key: 'contactIds', label: 'Contacts', target: 'contact' },
      { key: 'dealIds', label: 'Deals', target: 'deal' },
      { key: 'taskIds', label: 'Tasks', target: 'task' },
    ],
    columns: [
      { label: 'Contacts', value: count('contactIds') },
      { label: 'Deals', value: count('dealIds') },
    ],
  },
  deal: {
    singular: 'Deal',
    plural: 'Deals',
    path: '/deals',
    fields: [{ key: 'name', label: 'Name', kind: 'text', required: true }],
    links: [
      { key: 'organizationIds', label: 'Organizations', target: 'organization' },
      { key: 'contactIds', label: 'Contacts', target: 'contact' },
      { key: 'taskIds', label: 'Tasks', target: 'task' },
    ],
    columns: [
      { label: 'Total value', value: (r) => money(r.totalValue) },
      { label: 'Quantity', value: (r) => String(r.totalQuantity ?? 0) },
    ],
  },
  service: {
    singular: 'Service',
    plural: 'Services',
    path: '/services',
    fields: [
      { key: 'name', label: 'Name', kind: 'text', required: true },
      { key: 'amount', label: 'Amount', kind: 'money', required: true },
    ],
    links: [
      { key: 'dealIds', label: 'Deals', target: 'deal' },
      { key: 'taskIds', label: 'Tasks', target: 'task' },
    ],
    columns: [{ label: 'Amount', value: (r) => money(r.amount) }],
  },
  task: {
    singular: 'Task',
    plural: 'Tasks',
    path: '/tasks',
    fields: [
      { key: 'name', label: 'Name', kind: 'text', required: true },
      { key: 'status', label: 'Status', kind: 'status' },
      { key: 'dueDate', label: 'Due date', kind: 'date' },
    ],
    links: [
      { key: 'contactIds', label: 'Contacts', target: 'contact' },
      { key: 'organizationIds', label: 'Organizations', target: 'organization' },
      { key: 'dealIds', label: 'Deals', target: 'deal' },
      { key: 'serviceIds', label: 'Services', target: 'service' },
    ],
    columns: [
      { label: 'Status', value: (r) => String(r.status ?? '') },
      { label: 'Due', value: (r) => String(r.dueDate ?? '—') },
    ],
  },
};

/** The name a record is shown by: "Ada Lovelace" for contacts, `name` for everything else. */
export function titleOf(type: RecordType, record: RecordData): string {
  if (type === 'contact') return [record.firstName, record.lastName].filter(Boolean).join(' ') || '(no name)';
  return String(record.name ?? '') || '(no name)';
}
