import { sql } from 'drizzle-orm';
import { customType, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** PostgreSQL xid8 (a 64-bit transaction id), read and written as decimal text. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

export const events = pgTable('events', {
  id: uuid('id').primaryKey().defaultRandom(),
  companyId: uuid('company_id').notNull(),
  name: text('name').notNull(),
  entityId: uuid('entity_id').notNull(),
  userId: uuid('user_id'),
  body: text('body').notNull(),
  /** 1 for the event that created the record, +1 per later event about it; NULL for events not about a record. */
  recordVersion: integer('record_version'),
  /** Feed position: the writing transaction's id, or the record's previous event's if higher (migration 0007). */
  xid: xid8('xid').notNull().default(sql`pg_current_xact_id()`),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull(),
});
