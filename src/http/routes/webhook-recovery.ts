// REST for catching a webhook up (spec §9): recover the events an outage lost, and send a test event.
// Both are admin-only and scoped to the caller's company (another company's webhook is "not found").
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { recoverDeliveries, RecoverInput, RecoverResultSchema } from '../../delivery/recover.js';
import { DeliverySchema } from '../../delivery/schemas.js';
import { sendTestEvent } from '../../webhooks/test-event.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, IdParam, jsonBody, jsonResponse, principalOf } from '../openapi.js';

const conflict = { 409: { description: 'The webhook is disabled (a dry run still counts)', content: errorResponses[400].content } } as const;

export function webhookRecoveryRoutes() {
  const app = new OpenAPIHono<HttpEnv>();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/{id}/recover',
      tags: ['webhooks'],
      summary: 'Re-send the events of a time window this webhook never received (admins)',
      description:
        'Queues one new delivery (trigger "recover", resendOf = its latest failed delivery) for every event of the window ' +
        '— by event time, since inclusive, until exclusive (default now), at most 30 days — whose deliveries to this ' +
        'webhook all failed: nothing successful, pending or waiting for a retry. With dryRun only counts them. At most ' +
        '10000 per call; hasMore: true means more qualify, and calling again queues the next ones. Calling again right ' +
        'after queues nothing twice.',
      request: { params: IdParam, body: jsonBody(RecoverInput.openapi('RecoverInput')) },
      responses: { 200: jsonResponse(RecoverResultSchema.openapi('RecoverResult'), 'How many events were (or would be) re-sent'), ...errorResponses, ...conflict },
    }),
    async (c) => c.json(await recoverDeliveries(c.var.ctx, principalOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/{id}/test',
      tags: ['webhooks'],
      summary: 'Send a signed webhook.test event to this webhook only (admins; disabled webhooks too)',
      description:
        'The envelope is {event: "webhook.test", data: {userId, companyId, entityId: <webhook id>, payload: {webhook: {id, url}}}, timestamp}, ' +
        'signed like every delivery. Answers 201 with the delivery (status pending, trigger "test"); poll GET /webhook-deliveries/{id} for the outcome.',
      request: { params: IdParam },
      responses: { 201: jsonResponse(DeliverySchema.openapi('WebhookDelivery'), 'The queued test delivery'), ...errorResponses },
    }),
    async (c) => c.json(await sendTestEvent(c.var.ctx, principalOf(c), c.req.valid('param').id), 201),
  );

  return app;
}
