// Shapes of the delivery log (spec §6): what REST, MCP and the UI return, and the listing filters they accept.
import { z } from 'zod';
import { storableDateTime } from '../validation.js';
import { EVENT_NAMES, SNAPSHOT_EVENT_NAMES, TEST_EVENT_NAME, type EventName, type SnapshotEventName, type TestEventName } from '../events/catalog.js';

export const DELIVERY_STATUSES = ['pending', 'processing', 'success', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Why a delivery failed. The seven kinds of spec §6, plus three where nothing was sent: `webhook_deleted` and
 * `webhook_disabled` (the delivery was still queued when its webhook was deleted or disabled) and
 * `secret_unavailable` (the webhook's secret cannot be decrypted with the server's SECRET_KEY).
 */
export const DELIVERY_ERROR_KINDS = [
  'http_status',
  'timeout',
  'dns',
  'connect',
  'tls',
  'blocked_address',
  'redirect',
  'webhook_deleted',
  'webhook_disabled',
  'secret_unavailable',
] as const;
export type DeliveryErrorKind = (typeof DELIVERY_ERROR_KINDS)[number];

type DeliveryEventName = EventName | TestEventName | SnapshotEventName;

export const DELIVERY_TRIGGERS = ['event', 'resend', 'retry', 'recover', 'test', 'backfill'] as const;
export const DELIVERY_PAGE_SIZES = [25, 100] as const;

export const DeliveryErrorSchema = z.object({ kind: z.enum(DELIVERY_ERROR_KINDS), message: z.string() });

export const DeliverySchema = z.object({
  id: z.uuid(),
  webhookId: z.uuid(),
  url: z.string().describe('the URL the request went (or goes) to: the webhook URL at send time'),
  event: z.enum([...EVENT_NAMES, TEST_EVENT_NAME, ...SNAPSHOT_EVENT_NAMES] as unknown as [DeliveryEventName, ...DeliveryEventName[]]).describe(`one of the event names, ${TEST_EVENT_NAME} for a test delivery, or X.snapshot for a backfill`),
  entityId: z.uuid(),
  status: z.enum(DELIVERY_STATUSES),
  statusCode: z.number().int().nullable(),
  error: DeliveryErrorSchema.nullable(),
  durationMs: z.number().int().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  trigger: z.enum(DELIVERY_TRIGGERS),
  resendOf: z.uuid().nullable().describe('for a resend: the delivery it repeats'),
  attempt: z.number().int().describe('1 for the first delivery of an event (or of a resend, recover or test); +1 for each automatic retry'),
  retryOf: z.uuid().nullable().describe('for a retry (trigger "retry"): the failed attempt before it'),
  nextAttemptAt: z
    .string()
    .nullable()
    .describe('on a failed delivery whose automatic retry waits in the queue: when the retry is due; null once the retry is under way, or when none is scheduled'),
});
export type DeliveryDto = z.infer<typeof DeliverySchema>;

export const DeliveryDetailSchema = DeliverySchema.extend({
  requestHeaders: z.record(z.string(), z.string()).nullable().describe('headers sent (signature masked); null until sent'),
  requestBody: z.string().describe('the exact body bytes sent (the event envelope)'),
  responseBody: z.string().nullable().describe('the first 16 KiB of the response body, as text'),
  retryChain: z
    .array(
      z.object({
        id: z.uuid(),
        attempt: z.number().int(),
        status: z.enum(DELIVERY_STATUSES),
        statusCode: z.number().int().nullable(),
        errorKind: z.enum(DELIVERY_ERROR_KINDS).nullable(),
        createdAt: z.string(),
        completedAt: z.string().nullable(),
        nextAttemptAt: z.string().nullable(),
      }),
    )
    .describe('every attempt of this delivery\'s retry chain, attempt 1 first (this delivery included); one entry when it was never retried'),
});
export type DeliveryDetailDto = z.infer<typeof DeliveryDetailSchema>;

const IsoTime = (what: string) => storableDateTime().describe(what);

export const ListDeliveriesInput = z.strictObject({
  searchTerm: z.string().trim().max(200, { error: 'must be at most 200 characters' }).optional().describe('case-insensitive substring of url or event name'),
  status: z.enum(DELIVERY_STATUSES, { error: `must be one of ${DELIVERY_STATUSES.join(', ')}` }).optional(),
  event: z
    .enum([...EVENT_NAMES, TEST_EVENT_NAME, ...SNAPSHOT_EVENT_NAMES] as unknown as [DeliveryEventName, ...DeliveryEventName[]], { error: `must be one of ${EVENT_NAMES.join(', ')}, ${TEST_EVENT_NAME}, ${SNAPSHOT_EVENT_NAMES.join(', ')}` })
    .optional(),
  webhookId: z.uuid({ error: 'must be a UUID' }).optional(),
  entityId: z.uuid({ error: 'must be a UUID' }).optional(),
  from: IsoTime('only deliveries created at or after this time').optional(),
  to: IsoTime('only deliveries created before this time').optional(),
  page: z.coerce.number({ error: 'must be a whole number ≥ 1' }).int({ error: 'must be a whole number ≥ 1' }).min(1, { error: 'must be a whole number ≥ 1' }).max(100_000).default(1),
  pageSize: z.coerce
    .number()
    .refine((n) => n === 25 || n === 100, { error: 'must be 25 or 100' })
    .default(25),
});
export type ListDeliveriesInput = z.input<typeof ListDeliveriesInput>;

export const DeliveryPageSchema = z.object({
  items: z.array(DeliverySchema),
  total: z.number().int().describe('matching deliveries, counted exactly up to 10000'),
  totalCapped: z.boolean().describe('true when more than `total` (10000) deliveries match: show it as "10000+"'),
  page: z.number().int(),
  pageSize: z.number().int(),
});
export type DeliveryPage = z.infer<typeof DeliveryPageSchema>;
