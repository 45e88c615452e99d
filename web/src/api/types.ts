// The DTOs of the REST API (spec §2–§6), as the UI reads them.
import { EVENT_NAMES, RECORD_TYPES, type EventName, type RecordType } from '../../../src/events/catalog.js';

export { EVENT_NAMES, RECORD_TYPES, type EventName, type RecordType };

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
  /** Delivery log only: more than `total` match (the server stops counting at 10,000). */
  totalCapped?: boolean;
}

export interface User {
  id: string;
  companyId: string;
  email: string;
  firstName: string;
  lastName: string;
  role: 'admin' | 'member';
  createdAt: string;
  updatedAt: string;
}

export interface ApiKey {
  id: string;
  name: string;
  start: string;
  userId: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface CustomFieldValue {
  columnId: string;
  value: string;
}

interface RecordBase {
  id: string;
  notes: unknown;
  customFieldValues: CustomFieldValue[];
  userIds: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Contact extends RecordBase {
  firstName: string;
  lastName: string;
  emails: string[];
  organizationIds: string[];
  dealIds: string[];
  taskIds: string[];
}
export interface Organization extends RecordBase {
  name: string;
  contactIds: string[];
  dealIds: string[];
  taskIds: string[];
}
export interface Deal extends RecordBase {
  name: string;
  totalValue: number;
  totalQuantity: number;
  organizationIds: string[];
  contactIds: string[];
  taskIds: string[];
  services: { serviceId: string; quantity: number }[];
}
export interface Service extends RecordBase {
  name: string;
  amount: number;
  dealIds: string[];
  taskIds: string[];
}
export interface Task extends RecordBase {
  name: string;
  status: 'open' | 'done';
  dueDate: string | null;
  contactIds: string[];
  organizationIds: string[];
  dealIds: string[];
  serviceIds: string[];
}

export type AnyRecord = Contact | Organization | Deal | Service | Task;
/** A record seen generically: its id plus whatever fields its type has. */
export type RecordData = { id: string } & Record<string, unknown>;

export const CUSTOM_COLUMN_TYPES = ['text', 'number', 'currency', 'date', 'singleSelect', 'email', 'phone', 'link'] as const;
export type CustomColumnType = (typeof CUSTOM_COLUMN_TYPES)[number];

export interface CustomColumn {
  id: string;
  entityType: RecordType;
  name: string;
  type: CustomColumnType;
  options: { value: string; label: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface Webhook {
  id: string;
  url: string;
  description: string | null;
  events: EventName[];
  enabled: boolean;
  hasSecret: boolean;
  retryPolicy: RetryPolicy;
  /** "per-record": one record's deliveries go one at a time, in record-version order. */
  ordering: WebhookOrdering;
  /** null while enabled; why it was disabled otherwise. */
  disabledReason: DisabledReason | null;
  disabledAt: string | null;
  /** Names of the custom request headers; their values are never sent back. */
  headerNames: string[];
  /** Only matching events are delivered (docs/webhooks.md, Filters); null: every subscribed event. */
  filter: WebhookFilter | null;
  /** During a secret rotation, until when the previous secret also signs webhook-signature. */
  previousSecretExpiresAt: string | null;
  /** The newest delivery to this webhook; null before the first. */
  lastDelivery: { id: string; status: DeliveryStatus; statusCode: number | null; createdAt: string } | null;
  /** Share of the last 24 hours' deliveries that succeeded (0–1); null without deliveries. */
  successRate24h: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookInput {
  url: string;
  description?: string | null;
  events: EventName[];
  secret?: string | null;
  enabled: boolean;
  retryPolicy?: RetryPolicy;
  ordering?: WebhookOrdering;
  /** Replaces the whole set of custom request headers; null removes them; leave out to keep them. */
  headers?: Record<string, string> | null;
  /** Replaces the filter; null removes it; leave out to keep it. */
  filter?: WebhookFilter | null;
}

export type WebhookOrdering = 'none' | 'per-record';

/** A backfill ("Send current state"): one X.snapshot per matching record to one webhook. */
export interface WebhookBackfill {
  id: string;
  webhookId: string;
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  types: RecordType[];
  filter: WebhookFilter | null;
  /** Records of the chosen types when the job started. */
  total: number;
  queued: number;
  /** Delivered (2xx). */
  sent: number;
  /** Failed for good. */
  failed: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** A filter node: {all: […]}, {any: […]}, {not: node} or a condition. */
export type WebhookFilter = { all: WebhookFilter[] } | { any: WebhookFilter[] } | { not: WebhookFilter } | { field: string; op: string; value?: unknown };

export interface FilterPreview {
  matches: { eventId: string; event: string; entityId: string; timestamp: string }[];
  scanned: number;
}

export interface WebhookExplanation {
  eventId: string;
  delivered: boolean;
  deliveryId: string | null;
  reasons: { code: string; message: string; condition?: { path: string; field?: string; op?: string; value?: unknown; previous?: unknown; current?: unknown } }[];
}

export type WebhookStatsWindow = '24h' | '7d';

/** GET /webhooks/{id}/stats: buckets are hourly (24h) or six-hourly (7d), oldest first. */
export interface WebhookStats {
  window: WebhookStatsWindow;
  total: number;
  success: number;
  failed: number;
  successRate: number | null;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
  buckets: { start: string; success: number; failed: number; p95DurationMs: number | null }[];
}

export type RetryPolicy = 'none' | 'exponential';
export type DisabledReason = 'manual' | 'gone' | 'failing';
export type DeliveryTrigger = 'event' | 'resend' | 'retry' | 'recover' | 'test';

export type DeliveryStatus = 'pending' | 'processing' | 'success' | 'failed';

export interface Delivery {
  id: string;
  webhookId: string;
  url: string;
  event: EventName;
  entityId: string;
  status: DeliveryStatus;
  statusCode: number | null;
  durationMs: number | null;
  error: { kind: string; message: string } | null;
  createdAt: string;
  completedAt: string | null;
  trigger: DeliveryTrigger;
  resendOf: string | null;
  /** 1 for the first attempt; +1 per automatic retry. */
  attempt: number;
  retryOf: string | null;
  /** On a failed delivery whose retry waits: when it is due. */
  nextAttemptAt: string | null;
}

export interface RetryChainEntry {
  id: string;
  attempt: number;
  status: DeliveryStatus;
  statusCode: number | null;
  errorKind: string | null;
  createdAt: string;
  completedAt: string | null;
  nextAttemptAt: string | null;
}

export interface DeliveryDetail extends Delivery {
  requestHeaders: Record<string, string> | null;
  requestBody: string;
  responseBody: string | null;
  retryChain: RetryChainEntry[];
}

export interface ImportRowError {
  row: number;
  message: string;
  field?: string;
}
export interface ImportReport {
  dryRun: boolean;
  total: number;
  valid: number;
  created: number;
  errors: ImportRowError[];
}
