// Webhook filters (spec §13): explain_webhook_event and preview_webhook_filter, the same queries as
// POST /webhooks/{id}/explain and POST /webhooks/filter-preview.
import { ExplainToolInput, ExplanationSchema, explainWebhookEvent, PREVIEW_DEFAULT_LIMIT, PREVIEW_MAX_LIMIT, PreviewInput, PreviewSchema, previewWebhookFilter } from '../../webhooks/filter/commands.js';
import { FILTER_GRAMMAR } from '../../webhooks/filter/schema.js';
import { defineTool, READ_ONLY } from '../tool.js';

export const webhookFilterTools = [
  defineTool({
    name: 'explain_webhook_event',
    title: 'Explain a webhook delivery (or its absence)',
    description:
      'Answers why a webhook did or did not get a delivery for one event. Returns {delivered, deliveryId, reasons: [{code, message, condition?}]}: ' +
      'delivered: true with the delivery id when a delivery exists; otherwise reasons such as not_subscribed, created_after_event, disabled (at the time of the event), ' +
      'filter_not_matched (the failing filter condition with the actual previous and current values; evaluated with the CURRENT filter) and changed_since_event (the webhook changed after the event, and only current settings are kept). ' +
      'Required: webhookId (list_webhooks) and exactly one of eventId (from list_events or preview_webhook_filter) or deliveryId (a delivery of ANY webhook from list_webhook_deliveries: its event is explained for webhookId).',
    input: ExplainToolInput,
    output: ExplanationSchema,
    annotations: READ_ONLY,
    hints: { not_found: 'Use list_webhooks for webhook ids and list_events for event ids.' },
    run: (ctx, principal, { webhookId, ...input }) => explainWebhookEvent(ctx.db, principal, webhookId, input),
  }),
  defineTool({
    name: 'preview_webhook_filter',
    title: 'Preview a webhook filter',
    description:
      `Tries a draft filter on the company's newest events before saving it on a webhook: scans the newest limit events (default ${PREVIEW_DEFAULT_LIMIT}, at most ${PREVIEW_MAX_LIMIT}) of the given event names ` +
      'and returns {matches: [{eventId, event, entityId, timestamp}], scanned}. The filter is validated as create_webhook would with those events. ' +
      `Required: events (event names such as ["deal.updated"]) and filter. ${FILTER_GRAMMAR}`,
    input: PreviewInput,
    output: PreviewSchema,
    annotations: READ_ONLY,
    run: (ctx, principal, input) => previewWebhookFilter(ctx.db, principal, input),
  }),
];
