// REST for webhook filters (spec §13): why a webhook did or did not get a delivery for an event, and which of the
// company's recent events a draft filter would match. Both read only and are open to every role.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { ExplainInput, ExplanationSchema, explainWebhookEvent, PREVIEW_DEFAULT_LIMIT, PREVIEW_MAX_LIMIT, PreviewInput, PreviewSchema, previewWebhookFilter } from '../../webhooks/filter/commands.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, IdParam, jsonBody, jsonResponse, principalOf } from '../openapi.js';

export function webhookFilterRoutes() {
  const app = new OpenAPIHono<HttpEnv>();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/filter-preview',
      tags: ['webhooks'],
      summary: 'Which of the company’s recent events a draft filter would match',
      description:
        `Scans the newest \`limit\` events (default ${PREVIEW_DEFAULT_LIMIT}, at most ${PREVIEW_MAX_LIMIT}) of the given event names, newest first, ` +
        'and answers the ones the filter matches. The filter is validated exactly as on a webhook with those events (400 naming the node, e.g. filter.all[1].value).',
      request: { body: jsonBody(PreviewInput.openapi('WebhookFilterPreviewInput')) },
      responses: { 200: jsonResponse(PreviewSchema.openapi('WebhookFilterPreview'), 'The matching events and how many were scanned'), ...errorResponses },
    }),
    async (c) => c.json(await previewWebhookFilter(c.var.ctx.db, principalOf(c), c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/{id}/explain',
      tags: ['webhooks'],
      summary: 'Why this webhook did or did not get a delivery for an event',
      description:
        'Give eventId, or deliveryId to explain the event of a delivery (of any webhook of the company). delivered: true with deliveryId when a delivery exists. Otherwise one reason per cause: not_subscribed, created_after_event, disabled (at the time), ' +
        'filter_not_matched (the failing condition with the actual previous and current values, evaluated with the current filter). ' +
        'Only current settings are kept: when the webhook changed after the event, changed_since_event says so.',
      request: { params: IdParam, body: jsonBody(ExplainInput.openapi('WebhookExplainInput')) },
      responses: { 200: jsonResponse(ExplanationSchema.openapi('WebhookExplanation'), 'The answer and its reasons'), ...errorResponses },
    }),
    async (c) => c.json(await explainWebhookEvent(c.var.ctx.db, principalOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  return app;
}
