// The DTOs of the REST API (spec §2–§6), as the UI reads them: each one is inferred from the zod schema the server
// answers with, so the UI cannot drift from the server. Only type imports of server modules: they are erased, and no
// server code lands in the bundle. Do not hand-write a DTO here; export the server's schema and infer it.
import type { z } from 'zod';
import type { ApiKeySchema, CreatedApiKeySchema, SessionSchema, UserSchema } from '../../../src/auth/schemas.js';
import type { CustomColumnSchema } from '../../../src/crm/custom-columns/schemas.js';
import type { ImportReportSchema } from '../../../src/crm/import/schemas.js';
import type { RecoverResultSchema } from '../../../src/delivery/recover.js';
import type { DeliveryDetailSchema, DeliveryPageSchema, DeliverySchema } from '../../../src/delivery/schemas.js';
import { EVENT_NAMES, RECORD_TYPES, type EventName, type RecordType } from '../../../src/events/catalog.js';
import type { ContactSchema, CustomFieldValueSchema, DealSchema, DealServiceSchema, OrganizationSchema, ServiceSchema, TaskSchema } from '../../../src/events/schemas.js';
import type { WebhookStatsSchema } from '../../../src/ops/stats.js';
import type { BackfillSchema } from '../../../src/webhooks/backfill.js';
import type { ExplanationSchema, PreviewSchema } from '../../../src/webhooks/filter/commands.js';
import type { FilterNode } from '../../../src/webhooks/filter/parse.js';
import type { RotateSecretResultSchema } from '../../../src/webhooks/rotation.js';
import type { CreateWebhookInput, UpdateWebhookInput, WebhookSchema, WebhookWithSecretSchema } from '../../../src/webhooks/schemas.js';

export { EVENT_NAMES, RECORD_TYPES, type EventName, type RecordType };

/** A page of records (src/http/routes/records.ts builds the same shape per record type). */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export type User = z.output<typeof UserSchema>;
/** The answer of signup (with the new company) and login. */
export type Session = z.output<typeof SessionSchema>;
export type ApiKey = z.output<typeof ApiKeySchema>;
/** The response of POST /api-keys: the key itself appears only here. */
export type CreatedApiKey = z.output<typeof CreatedApiKeySchema>;

export type CustomFieldValue = z.output<typeof CustomFieldValueSchema>;
export type Contact = z.output<typeof ContactSchema>;
export type Organization = z.output<typeof OrganizationSchema>;
export type Deal = z.output<typeof DealSchema>;
/** A service on a deal with its quantity. */
export type DealService = z.output<typeof DealServiceSchema>;
export type Service = z.output<typeof ServiceSchema>;
export type Task = z.output<typeof TaskSchema>;
export type AnyRecord = Contact | Organization | Deal | Service | Task;
/** A record seen generically: its id plus whatever fields its type has. */
export type RecordData = { id: string } & Record<string, unknown>;

export type CustomColumn = z.output<typeof CustomColumnSchema>;
export type CustomColumnType = CustomColumn['type'];
/** The column types in the order the UI offers them; the check below fails to compile when the server adds one. */
export const CUSTOM_COLUMN_TYPES = ['text', 'number', 'currency', 'date', 'singleSelect', 'email', 'phone', 'link'] as const satisfies readonly CustomColumnType[];
const everyColumnTypeListed: Exclude<CustomColumnType, (typeof CUSTOM_COLUMN_TYPES)[number]> extends never ? true : false = true;
void everyColumnTypeListed;

/**
 * A filter node as the UI edits it: the server's FilterNode (src/webhooks/filter/parse.ts) with `op` as free text,
 * since a draft is checked by the server (FilterInput accepts any object and names the bad node).
 */
export type WebhookFilter = { all: WebhookFilter[] } | { any: WebhookFilter[] } | { not: WebhookFilter } | { field: string; op: string; value?: unknown };

/** The server's schema types `filter` as any object (its grammar is in the description); what it returns is a FilterNode. */
export type Webhook = Omit<z.output<typeof WebhookSchema>, 'filter'> & { filter: FilterNode | null };
/** The body of POST /webhooks. */
export type WebhookInput = z.input<typeof CreateWebhookInput>;
/** The body of PATCH /webhooks/{id}: only the fields to change. */
export type WebhookUpdate = z.input<typeof UpdateWebhookInput>;
export type WebhookOrdering = Webhook['ordering'];
export type RetryPolicy = Webhook['retryPolicy'];
export type DisabledReason = NonNullable<Webhook['disabledReason']>;
/** The answer of POST /webhooks/{id}/secret/reveal. */
export type WebhookWithSecret = Omit<z.output<typeof WebhookWithSecretSchema>, 'filter'> & { filter: FilterNode | null };
export type RotateSecretResult = z.output<typeof RotateSecretResultSchema>;
export type RecoverResult = z.output<typeof RecoverResultSchema>;

/** A backfill ("Send current state"): one X.snapshot per matching record to one webhook. */
export type WebhookBackfill = z.output<typeof BackfillSchema>;

export type FilterPreview = z.output<typeof PreviewSchema>;
export type WebhookExplanation = z.output<typeof ExplanationSchema>;

/** GET /webhooks/{id}/stats: buckets are hourly (24h) or six-hourly (7d), oldest first. */
export type WebhookStats = z.output<typeof WebhookStatsSchema>;
export type WebhookStatsWindow = WebhookStats['window'];

export type Delivery = z.output<typeof DeliverySchema>;
export type DeliveryDetail = z.output<typeof DeliveryDetailSchema>;
export type DeliveryPage = z.output<typeof DeliveryPageSchema>;
export type DeliveryStatus = Delivery['status'];
export type DeliveryTrigger = Delivery['trigger'];
export type RetryChainEntry = DeliveryDetail['retryChain'][number];

export type ImportReport = z.output<typeof ImportReportSchema>;
export type ImportRowError = ImportReport['errors'][number];
