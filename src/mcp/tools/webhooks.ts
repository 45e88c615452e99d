// Webhook and delivery tools: the brief's create_webhook, list_webhook_deliveries, resend_webhook_delivery and
// the rest of spec §8, each a thin call into src/webhooks and src/delivery.
import { z } from 'zod';
import { DeliveryDetailSchema, DeliveryPageSchema, DeliverySchema, ListDeliveriesInput } from '../../delivery/schemas.js';
import { getDeliveryOrThrow, listDeliveries, resendDelivery } from '../../delivery/queries.js';
import { EVENT_NAMES } from '../../events/catalog.js';
import { CreateWebhookInput, ListWebhooksInput, UpdateWebhookInput, WebhookSchema } from '../../webhooks/schemas.js';
import { createWebhook, deleteWebhook, getWebhookOrThrow, listWebhooks, updateWebhook } from '../../webhooks/webhooks.js';
import { CREATES, defineTool, DELETES, READ_ONLY, UPDATES } from '../tool.js';

const Id = (what: string) => z.strictObject({ id: z.uuid({ error: 'must be a UUID' }).describe(what) });
const EVENTS_TEXT = EVENT_NAMES.join(', ');
const FIND_WEBHOOK = 'Use list_webhooks to find webhook ids.';
const FIND_DELIVERY = 'Use list_webhook_deliveries to find delivery ids.';

export const webhookTools = [
  defineTool({
    name: 'create_webhook',
    title: 'Create webhook',
    description:
      'Subscribes an HTTPS URL to CRM events: from now on every matching change is POSTed there as JSON (an envelope {event, data: {userId, companyId, entityId, payload}, timestamp}). ' +
      `Required: url (absolute https:// URL on a public host; http:// is rejected) and events (1–15 distinct names of: ${EVENTS_TEXT}). ` +
      'Optional: description (≤500 chars), secret (8–256 chars; when set every request carries X-Webhook-Signature = lowercase hex HMAC-SHA256(secret, raw body)), enabled (default true), ' +
      'retryPolicy ("none", the default: each delivery is attempted once; "exponential": failures that can succeed later — timeouts, connection, DNS and TLS errors, HTTP 408, 425, 429, 5xx — are attempted again on the server\'s retry schedule, each attempt its own delivery linked by retryOf). ' +
      'filter (optional: only events that match it are delivered, e.g. {"field": "custom:<stageColumnId>", "op": "becomes", "value": "won"}; the grammar is in preview_webhook_filter, which tries a filter on recent events; a bad node is refused naming its path such as filter.all[1].value). ' +
      'ordering ("none", the default; "per-record": one record\'s deliveries are sent one at a time in record-version order, and a failing one holds back only that record\'s later ones until it succeeds or fails for good). ' +
      'Returns the webhook; the secret is never returned (hasSecret tells whether one is set). Admins only.',
    input: CreateWebhookInput,
    output: WebhookSchema,
    annotations: CREATES,
    run: (ctx, principal, input) => createWebhook(ctx, principal, input),
  }),
  defineTool({
    name: 'update_webhook',
    title: 'Update webhook',
    description:
      'Changes a webhook. Required: id. Optional, any of: url, events (REPLACES the whole list; 1–15 distinct event names), description (null clears it), secret (a new signing secret; null removes signing), ' +
      'enabled (false stops new deliveries and fails the queued ones as webhook_disabled, disabledReason "manual"; true re-enables a webhook disabled for any reason — manual, gone (its receiver answered 410) or failing — and clears disabledReason), retryPolicy ("none" or "exponential"). ' +
      'filter (replaces the filter; null removes it; checked against the events the webhook will have). ' +
      'Fields left out stay as they are. Returns the updated webhook without its secret. Admins only.',
    input: UpdateWebhookInput.extend({ id: z.uuid({ error: 'must be a UUID' }).describe('the webhook to change') }),
    output: WebhookSchema,
    annotations: UPDATES,
    hints: { not_found: FIND_WEBHOOK },
    run: (ctx, principal, { id, ...changes }) => updateWebhook(ctx, principal, id, changes),
  }),
  defineTool({
    name: 'get_webhook',
    title: 'Get webhook',
    description:
      'Returns one webhook by id: url, events, description, enabled, hasSecret, retryPolicy, disabledReason/disabledAt (why and when it was disabled), lastDelivery, createdAt, updatedAt. The signing secret is included only with includeSecret: true, which admins alone may use.',
    input: Id('the webhook id').extend({ includeSecret: z.boolean({ error: 'must be true or false' }).optional().describe('also return the secret (admins only)') }),
    output: WebhookSchema.extend({ secret: z.string().nullable().optional().describe('present only with includeSecret: true') }),
    annotations: READ_ONLY,
    hints: { not_found: FIND_WEBHOOK },
    run: (ctx, principal, { id, includeSecret }) => getWebhookOrThrow(ctx, principal, id, { includeSecret: includeSecret === true }),
  }),
  defineTool({
    name: 'list_webhooks',
    title: 'List webhooks',
    description: 'Lists the company’s webhooks, newest first, without secrets. Optional searchTerm: case-insensitive substring of the url or description.',
    input: ListWebhooksInput,
    output: z.object({ items: z.array(WebhookSchema) }),
    annotations: READ_ONLY,
    run: async (ctx, principal, input) => ({ items: await listWebhooks(ctx, principal, input) }),
  }),
  defineTool({
    name: 'delete_webhook',
    title: 'Delete webhook',
    description:
      'Deletes a webhook: it receives nothing more, and deliveries still queued for it are marked failed (kind webhook_deleted). Its delivery history stays listable. Required: id. Admins only.',
    input: Id('the webhook to delete'),
    output: z.object({ deleted: z.literal(true), id: z.uuid() }),
    annotations: DELETES,
    hints: { not_found: FIND_WEBHOOK },
    run: async (ctx, principal, { id }) => {
      await deleteWebhook(ctx, principal, id);
      return { deleted: true as const, id };
    },
  }),
  defineTool({
    name: 'list_webhook_deliveries',
    title: 'List webhook deliveries',
    description:
      'Searches the delivery log, newest first. Every POST attempt is a delivery with status pending, processing, success or failed, the HTTP statusCode, error {kind, message} ' +
      '(kinds: http_status, timeout, dns, connect, tls, blocked_address, redirect, webhook_deleted, webhook_disabled, secret_unavailable), durationMs, timestamps, ' +
      'trigger (event, resend, retry, recover, test), attempt (1 for the first; automatic retries count up), retryOf (the attempt before a retry) and nextAttemptAt (on a failed delivery whose retry waits). ' +
      'All inputs optional: searchTerm (case-insensitive substring of the url or the event name, e.g. "hooks.example.com" or "deal."), status, event, webhookId, entityId (the CRM record), ' +
      'from/to (ISO-8601 time range on createdAt), page (from 1), pageSize (25 or 100). Returns {items, total, page, pageSize}. Use get_webhook_delivery for the request and response bodies.',
    input: ListDeliveriesInput,
    output: DeliveryPageSchema,
    annotations: READ_ONLY,
    run: (ctx, principal, input) => listDeliveries(ctx, principal, input),
  }),
  defineTool({
    name: 'get_webhook_delivery',
    title: 'Get webhook delivery',
    description:
      'Returns one delivery with everything needed to debug it: the exact request body and headers sent (signature masked), the response status and first 16 KiB of the response body, the error kind and message, duration, timestamps, trigger/resendOf linking a resend to its original, and retryChain: every attempt of its automatic-retry chain (attempt, status, nextAttemptAt). Required: id.',
    input: Id('the delivery id'),
    output: DeliveryDetailSchema,
    annotations: READ_ONLY,
    hints: { not_found: FIND_DELIVERY },
    run: (ctx, principal, { id }) => getDeliveryOrThrow(ctx, principal, id),
  }),
  defineTool({
    name: 'resend_webhook_delivery',
    title: 'Resend webhook delivery',
    description:
      'Sends a delivery again: creates a NEW delivery (trigger "resend", resendOf = the given id) with the identical body, to the webhook’s current URL, signed with its current secret. ' +
      'The original delivery is never changed. Returns the new delivery, status pending; poll get_webhook_delivery with its id for the outcome. ' +
      'Fails if the webhook was deleted. Required: id. Admins only.',
    input: Id('the delivery to send again'),
    output: DeliverySchema,
    annotations: CREATES,
    hints: { not_found: FIND_DELIVERY },
    run: (ctx, principal, { id }) => resendDelivery(ctx, principal, id),
  }),
];
