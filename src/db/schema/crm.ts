import { date, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const records = pgTable('records', {
  id: uuid('id').primaryKey().defaultRandom(),
  companyId: uuid('company_id').notNull(),
  type: text('type', { enum: ['contact', 'organization', 'deal', 'service', 'task'] }).notNull(),
  name: text('name'),
  firstName: text('first_name'),
  lastName: text('last_name'),
  emails: text('emails').array(),
  amount: numeric('amount'),
  status: text('status', { enum: ['open', 'done'] }),
  dueDate: date('due_date', { mode: 'string' }),
  notes: jsonb('notes'),
  searchText: text('search_text').notNull().default(''),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
  /** Events published about the record so far: the last record version (migration 0007). */
  version: integer('version').notNull().default(1),
});

export const recordLinks = pgTable(
  'record_links',
  {
    companyId: uuid('company_id').notNull(),
    fromId: uuid('from_id').notNull(),
    fromType: text('from_type').notNull(),
    toId: uuid('to_id').notNull(),
    toType: text('to_type').notNull(),
    quantity: numeric('quantity'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.fromId, t.toId] })],
);

export const recordUsers = pgTable(
  'record_users',
  {
    recordId: uuid('record_id').notNull(),
    userId: uuid('user_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.recordId, t.userId] })],
);

export const customColumns = pgTable('custom_columns', {
  id: uuid('id').primaryKey().defaultRandom(),
  companyId: uuid('company_id').notNull(),
  entityType: text('entity_type', { enum: ['contact', 'organization', 'deal', 'service', 'task'] }).notNull(),
  name: text('name').notNull(),
  type: text('type', { enum: ['text', 'number', 'currency', 'date', 'singleSelect', 'email', 'phone', 'link'] }).notNull(),
  options: jsonb('options').$type<Array<{ value: string; label: string }>>().notNull().default([]),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const customFieldValues = pgTable(
  'custom_field_values',
  {
    recordId: uuid('record_id').notNull(),
    columnId: uuid('column_id').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.recordId, t.columnId] })],
);
