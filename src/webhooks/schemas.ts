// Input and output shapes of webhook subscriptions (spec §5). REST, MCP and the UI validate with these same
// schemas; the commands parse again, so a caller that skips its surface's validation gets the same errors.
import { z } from 'zod';
import { notOneOf } from '../validation.js';
import { EVENT_NAMES, type EventName } from '../events/catalog.js';
import { CustomHeadersInput } from './custom-headers.js';
import { WEBHOOK_URL_MAX_LENGTH } from './url-rules.js';
import { FilterInput, FilterOutput } from './filter/schema.js';

export const MAX_WEBHOOK_SECRET_LENGTH = 256;
export const MIN_WEBHOOK_SECRET_LENGTH = 8;

const EventNameSchema = z.enum(EVENT_NAMES as [EventName, ...EventName[]], {
  error: notOneOf('an event', EVENT_NAMES),
});

export const WebhookEventsInput = z
  .array(EventNameSchema, { error: 'must be an array of event names' })
  .min(1, { error: `must list at least one event, e.g. ["contact.created"]` })
  .max(EVENT_NAMES.length, { error: `must list at most ${EVENT_NAMES.length} events` })
  .superRefine((events, ctx) => {
    const seen = new Set<string>();
    for (const [index, event] of events.entries()) {
      if (seen.has(event)) ctx.addIssue({ code: 'custom', path: [index], message: `"${event}" is listed more than once` });
      seen.add(event);
    }
  })
  .describe(`the events to receive: 1–${EVENT_NAMES.length} distinct names of ${EVENT_NAMES.join(', ')}`);

const UrlInput = z
  .string({ error: 'must be a string' })
  .max(WEBHOOK_URL_MAX_LENGTH + 100, { error: `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters` })
  .describe('absolute https:// URL that receives the POSTs; no user-info; public hosts only');
const DescriptionInput = z
  .string({ error: 'must be a string or null' })
  .trim()
  .max(500, { error: 'must be at most 500 characters' })
  .nullable()
  .describe('free text, at most 500 characters');
const SecretInput = z
  .string({ error: 'must be a string or null' })
  .min(MIN_WEBHOOK_SECRET_LENGTH, { error: `must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters (use a random string)` })
  .max(MAX_WEBHOOK_SECRET_LENGTH, { error: `must be at most ${MAX_WEBHOOK_SECRET_LENGTH} characters` })
  .nullable()
  .describe('HMAC-SHA256 key for X-Webhook-Signature; stored encrypted; null removes it');
const EnabledInput = z
  .boolean({ error: 'must be true or false' })
  .describe('a disabled webhook gets no new deliveries, and its queued ones fail as webhook_disabled; true re-enables it and clears disabledReason');

export const RETRY_POLICIES = ['none', 'exponential'] as const;
export const DISABLED_REASONS = ['manual', 'gone', 'failing'] as const;
const RetryPolicyInput = z
  .enum(RETRY_POLICIES, { error: `must be one of ${RETRY_POLICIES.join(', ')}` })
  .describe('"none" (default): each delivery is attempted once; "exponential": failed deliveries that can succeed later (timeouts, connection errors, 408, 425, 429, 5xx) are attempted again on the retry schedule');

export const ORDERINGS = ['none', 'per-record'] as const;
const OrderingInput = z
  .enum(ORDERINGS, { error: `must be one of ${ORDERINGS.join(', ')}` })
  .describe('"none" (default): deliveries are independent; "per-record": the deliveries of one record are sent one at a time in record-version order, and a failing one (also while its retry waits) holds back only that record\'s later ones until it succeeds or fails for good');

export const CreateWebhookInput = z.strictObject({
  url: UrlInput,
  events: WebhookEventsInput,
  description: DescriptionInput.optional(),
  secret: SecretInput.optional(),
  enabled: EnabledInput.optional(),
  retryPolicy: RetryPolicyInput.optional(),
  ordering: OrderingInput.optional(),
  headers: CustomHeadersInput.optional(),
  filter: FilterInput.nullable().optional(),
});
export type CreateWebhookInput = z.input<typeof CreateWebhookInput>;

export const UpdateWebhookInput = z.strictObject({
  url: UrlInput.optional(),
  events: WebhookEventsInput.optional(),
  description: DescriptionInput.optional(),
  secret: SecretInput.optional(),
  enabled: EnabledInput.optional(),
  retryPolicy: RetryPolicyInput.optional(),
  ordering: OrderingInput.optional(),
  headers: CustomHeadersInput.optional(),
  filter: FilterInput.nullable().optional().describe('the new filter (checked against the events after this change); null removes it'),
});
export type UpdateWebhookInput = z.input<typeof UpdateWebhookInput>;

export const ListWebhooksInput = z.strictObject({
  searchTerm: z.string().trim().max(200, { error: 'must be at most 200 characters' }).optional().describe('case-insensitive substring of url or description'),
});
export type ListWebhooksInput = z.input<typeof ListWebhooksInput>;

export const WebhookSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(EventNameSchema),
  description: z.string().nullable(),
  enabled: z.boolean(),
  hasSecret: z.boolean().describe('true when deliveries are signed; the secret itself only comes from the reveal route'),
  retryPolicy: z.enum(RETRY_POLICIES).describe('"none" or "exponential" (automatic retries of failures that can succeed later)'),
  ordering: z.enum(ORDERINGS).describe('"none" or "per-record" (one record\'s deliveries one at a time, in record-version order)'),
  disabledReason: z
    .enum(DISABLED_REASONS)
    .nullable()
    .describe('null while enabled; "manual" (disabled by a user), "gone" (the receiver answered 410) or "failing" (every delivery failed for WEBHOOK_DISABLE_AFTER)'),
  disabledAt: z.string().nullable().describe('when it was disabled; null while enabled'),
  filter: FilterOutput,
  headerNames: z.array(z.string()).describe('the names of the custom request headers sent with every delivery; their values are never shown'),
  previousSecretExpiresAt: z
    .string()
    .nullable()
    .describe('during a secret rotation, until when the previous secret still signs webhook-signature; null otherwise'),
  lastDelivery: z
    .object({
      id: z.uuid(),
      status: z.enum(['pending', 'processing', 'success', 'failed']),
      statusCode: z.number().int().nullable(),
      createdAt: z.string(),
    })
    .nullable()
    .describe('the newest delivery to this webhook (null before the first); details via the delivery log'),
  successRate24h: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .describe('share of the last 24 hours\' deliveries that succeeded, from 0 to 1 (null without deliveries); details via GET /webhooks/{id}/stats'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookDto = z.infer<typeof WebhookSchema>;

export const WebhookWithSecretSchema = WebhookSchema.extend({ secret: z.string().nullable() });
export type WebhookWithSecretDto = z.infer<typeof WebhookWithSecretSchema>;
