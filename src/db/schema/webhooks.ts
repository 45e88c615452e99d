import { sql } from 'drizzle-orm';
import { boolean, customType, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { FilterNode } from '../../webhooks/filter/parse.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const webhooks = pgTable('webhooks', {
  id: uuid('id').primaryKey(),
  companyId: uuid('company_id').notNull(),
  url: text('url').notNull(),
  events: text('events').array().notNull(),
  description: text('description'),
  secretCiphertext: bytea('secret_ciphertext'),
  enabled: boolean('enabled').notNull().default(true),
  retryPolicy: text('retry_policy', { enum: ['none', 'exponential'] }).notNull().default('none'),
  disabledReason: text('disabled_reason', { enum: ['manual', 'gone', 'failing'] }),
  disabledAt: ts('disabled_at'),
  failingSince: ts('failing_since'),
  previousSecretCiphertext: bytea('previous_secret_ciphertext'),
  previousSecretExpiresAt: ts('previous_secret_expires_at'),
  headersCiphertext: bytea('headers_ciphertext'),
  headerNames: text('header_names').array().notNull().default([]),
  /** The filter (spec §13) as validated and normalized by src/webhooks/filter/parse.ts; null: every subscribed event. */
  filter: jsonb('filter').$type<FilterNode>(),
  /** Spec §13: 'per-record' sends one record's deliveries one at a time in record-version order (src/delivery/queue.ts). */
  ordering: text('ordering', { enum: ['none', 'per-record'] }).notNull().default('none'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const webhookDeliveries = pgTable('webhook_deliveries', {
  // Time-ordered (migration 0018): new rows append to the key's index instead of landing on random pages.
  id: uuid('id').primaryKey().default(sql`uuid_v7()`),
  companyId: uuid('company_id').notNull(),
  webhookId: uuid('webhook_id').notNull(),
  eventId: uuid('event_id').notNull(),
  event: text('event').notNull(),
  entityId: uuid('entity_id').notNull(),
  url: text('url').notNull(),
  status: text('status', { enum: ['pending', 'processing', 'success', 'failed'] }).notNull().default('pending'),
  trigger: text('trigger', { enum: ['event', 'resend', 'retry', 'recover', 'test', 'backfill'] }).notNull().default('event'),
  resendOf: uuid('resend_of'),
  attempt: integer('attempt').notNull().default(1),
  retryOf: uuid('retry_of'),
  nextAttemptAt: ts('next_attempt_at'),
  requestHeaders: jsonb('request_headers').$type<Record<string, string>>(),
  statusCode: integer('status_code'),
  responseBody: text('response_body'),
  errorKind: text('error_kind'),
  errorMessage: text('error_message'),
  durationMs: integer('duration_ms'),
  createdAt: ts('created_at').notNull().defaultNow(),
  completedAt: ts('completed_at'),
  claimToken: uuid('claim_token'),
  leaseExpiresAt: ts('lease_expires_at'),
  claimCount: integer('claim_count').notNull().default(0),
});
