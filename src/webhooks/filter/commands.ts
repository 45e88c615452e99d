// Explain and preview (spec §13), the queries behind REST, MCP and the UI. Both read only: explain answers
// "why did (or didn't) this webhook get a delivery for this event?" from what is stored — the delivery log, the
// webhook as it is now, and the current filter evaluated by explain.ts against the event's stored body;
// preview runs a draft filter over the company's recent events. Only the current settings are kept (no history
// of filters, subscriptions or enable/disable), so explain says when the webhook changed after the event.
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Principal } from '../../auth/principal.js';
import type { DbOrTx } from '../../db/pool.js';
import { events, webhookDeliveries, webhooks } from '../../db/schema/index.js';
import { expandCompanyFanout } from '../../delivery/fanout.js';
import { notFound } from '../../errors.js';
import { TEST_EVENT_NAME, type EventName } from '../../events/catalog.js';
import { WebhookEventsInput } from '../schemas.js';
import { matchesFilter, toFilterEvent } from './evaluate.js';
import { explainFilter, type FilterFailure } from './explain.js';
import { loadFilterColumns, parseFilterOrThrow, recordTypesOf, type FilterNode } from './parse.js';
import { FilterInput } from './schema.js';

export const PREVIEW_DEFAULT_LIMIT = 100;
export const PREVIEW_MAX_LIMIT = 1000;

const Uuid = (what: string) => z.uuid({ error: 'must be a UUID' }).describe(what);

const ExplainFields = z.strictObject({
  eventId: Uuid('the event to explain (from the event feed, or preview)').optional(),
  deliveryId: Uuid('instead of eventId: the event of this delivery (of any webhook of the company), as the delivery log lists it').optional(),
});
function exactlyOneTarget(input: { eventId?: string; deliveryId?: string }, ctx: z.RefinementCtx): void {
  if ((input.eventId === undefined) === (input.deliveryId === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['eventId'], message: 'give exactly one of eventId or deliveryId' });
  }
}
export const ExplainInput = ExplainFields.superRefine(exactlyOneTarget);
/** The MCP tool's input: the same, with the webhook id. */
export const ExplainToolInput = ExplainFields.extend({ webhookId: Uuid('the webhook') }).superRefine(exactlyOneTarget);
export type ExplainInput = z.input<typeof ExplainInput>;

export const EXPLAIN_CODES = ['delivered', 'not_subscribed', 'created_after_event', 'disabled', 'filter_not_matched', 'test_event', 'changed_since_event', 'unexplained'] as const;

const ConditionSchema = z
  .object({
    path: z.string().describe('the node, e.g. filter.all[1]'),
    field: z.string().optional(),
    op: z.string().optional(),
    value: z.unknown().optional().describe("the condition's value"),
    previous: z.unknown().optional().describe('the field before the event (absent on created)'),
    current: z.unknown().optional().describe('the field after the event (absent on deleted)'),
  })
  .describe('the condition that decided, with the actual values');

export const ExplanationSchema = z.object({
  eventId: z.uuid().describe('the event explained'),
  delivered: z.boolean().describe('whether a delivery of this event to this webhook exists'),
  deliveryId: z.uuid().nullable().describe('the first delivery of the event to this webhook, when there is one'),
  reasons: z.array(
    z.object({
      code: z.enum(EXPLAIN_CODES).describe(
        'delivered; not_subscribed (the event is not among the webhook\'s events); created_after_event; disabled (disabled at the time); filter_not_matched (one per failing condition); test_event (sent only to the webhook it was requested for); changed_since_event (the webhook changed after the event: only its current settings are known); unexplained',
      ),
      message: z.string(),
      condition: ConditionSchema.optional(),
    }),
  ),
});
export type Explanation = z.infer<typeof ExplanationSchema>;
type Reason = Explanation['reasons'][number];

export const PreviewInput = z.strictObject({
  events: WebhookEventsInput,
  filter: FilterInput,
  limit: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(PREVIEW_MAX_LIMIT, { error: `must be at most ${PREVIEW_MAX_LIMIT}` })
    .optional()
    .describe(`how many of the newest events of those types to scan (default ${PREVIEW_DEFAULT_LIMIT}, at most ${PREVIEW_MAX_LIMIT})`),
});
export type PreviewInput = z.input<typeof PreviewInput>;

export const PreviewSchema = z.object({
  matches: z.array(z.object({ eventId: z.uuid(), event: z.string(), entityId: z.uuid(), timestamp: z.string() })).describe('the scanned events the filter matches, newest first'),
  scanned: z.number().int().describe('how many events were scanned'),
});
export type Preview = z.infer<typeof PreviewSchema>;

const iso = (value: string) => new Date(value).toISOString();

function payloadOf(body: string): Record<string, unknown> {
  try {
    const envelope = JSON.parse(body) as { data?: { payload?: Record<string, unknown> } };
    return envelope.data?.payload ?? {};
  } catch {
    return {};
  }
}

function conditionOf(failure: FilterFailure): Reason['condition'] {
  const { message: _message, ...condition } = failure;
  return condition;
}

async function eventOfDelivery(db: DbOrTx, principal: Principal, deliveryId: string): Promise<string> {
  const [row] = await db
    .select({ eventId: webhookDeliveries.eventId })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.companyId, principal.companyId)));
  if (!row) throw notFound('delivery', deliveryId);
  return row.eventId;
}

export async function explainWebhookEvent(db: DbOrTx, principal: Principal, webhookId: string, input: ExplainInput): Promise<Explanation> {
  z.uuid({ error: 'must be a UUID' }).parse(webhookId);
  const parsed = ExplainInput.parse(input);
  await expandCompanyFanout(db, principal.companyId); // the event's delivery may be a write's just committed
  const eventId = parsed.eventId ?? (await eventOfDelivery(db, principal, parsed.deliveryId!));
  const [webhook] = await db.select().from(webhooks).where(and(eq(webhooks.id, webhookId), eq(webhooks.companyId, principal.companyId)));
  if (!webhook) throw notFound('webhook', webhookId);
  const [event] = await db.select().from(events).where(and(eq(events.id, eventId), eq(events.companyId, principal.companyId)));
  if (!event) throw notFound('event', eventId);

  const [delivery] = await db
    .select({ id: webhookDeliveries.id, status: webhookDeliveries.status, trigger: webhookDeliveries.trigger, createdAt: webhookDeliveries.createdAt })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.eventId, eventId)))
    .orderBy(webhookDeliveries.createdAt, webhookDeliveries.id)
    .limit(1);
  const eventAt = iso(event.createdAt);
  const changedAt = iso(webhook.updatedAt);
  const changedSince = new Date(webhook.updatedAt).getTime() > new Date(event.createdAt).getTime();
  const changedReason: Reason = {
    code: 'changed_since_event',
    message: `the webhook was changed at ${changedAt}, after the event (${eventAt}); its events, filter and enabled state at the time are not kept, so this answer uses today's`,
  };
  if (delivery) {
    return {
      eventId,
      delivered: true,
      deliveryId: delivery.id,
      reasons: [{ code: 'delivered', message: `delivery ${delivery.id} was created for this event (${delivery.trigger}, now ${delivery.status})` }],
    };
  }

  const reasons: Reason[] = [];
  if (event.name === TEST_EVENT_NAME) {
    reasons.push({ code: 'test_event', message: 'a webhook.test event is sent only to the webhook it was requested for' });
    return { eventId, delivered: false, deliveryId: null, reasons };
  }
  if (!webhook.events.includes(event.name)) {
    reasons.push({ code: 'not_subscribed', message: `the webhook is not subscribed to ${event.name}; it subscribes to ${webhook.events.join(', ')}` });
  }
  if (new Date(webhook.createdAt).getTime() > new Date(event.createdAt).getTime()) {
    reasons.push({ code: 'created_after_event', message: `the webhook was created at ${iso(webhook.createdAt)}, after the event (${eventAt})` });
  }
  if (!webhook.enabled && webhook.disabledAt !== null && new Date(webhook.disabledAt).getTime() <= new Date(event.createdAt).getTime()) {
    reasons.push({ code: 'disabled', message: `the webhook was disabled at the time: disabled since ${iso(webhook.disabledAt)} (${webhook.disabledReason ?? 'manual'})` });
  }
  if (webhook.filter) {
    const view = toFilterEvent(event.name, payloadOf(event.body));
    const explanation = view ? explainFilter(webhook.filter as FilterNode, view) : null;
    const note = changedSince ? ' (the current filter; the one in force at the time is not kept)' : '';
    for (const failure of explanation?.failures ?? []) {
      reasons.push({ code: 'filter_not_matched', message: `${failure.message}${note}`, condition: conditionOf(failure) });
    }
  }
  if (changedSince) reasons.push(changedReason);
  if (reasons.length === 0) {
    reasons.push({ code: 'unexplained', message: 'no delivery exists, yet the webhook as it is now would have received this event; the webhook has not changed since the event' });
  }
  return { eventId, delivered: false, deliveryId: null, reasons };
}

/** Which of the company's newest events of `events` the draft filter matches. */
export async function previewWebhookFilter(db: DbOrTx, principal: Principal, input: PreviewInput): Promise<Preview> {
  const parsed = PreviewInput.parse(input);
  const filter = parseFilterOrThrow(parsed.filter, { recordTypes: recordTypesOf(parsed.events), columns: await loadFilterColumns(db, principal.companyId) });
  const rows = await db
    .select({ id: events.id, name: events.name, entityId: events.entityId, createdAt: events.createdAt, body: events.body })
    .from(events)
    .where(and(eq(events.companyId, principal.companyId), inArray(events.name, parsed.events as EventName[])))
    .orderBy(desc(events.createdAt), desc(sql`${events.id}`))
    .limit(parsed.limit ?? PREVIEW_DEFAULT_LIMIT);
  const matches: Preview['matches'] = [];
  for (const row of rows) {
    const view = toFilterEvent(row.name, payloadOf(row.body));
    if (view && matchesFilter(filter, view)) matches.push({ eventId: row.id, event: row.name, entityId: row.entityId, timestamp: iso(row.createdAt) });
  }
  return { matches, scanned: rows.length };
}
