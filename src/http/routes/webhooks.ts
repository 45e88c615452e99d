// REST for webhook subscriptions (spec §8). Admins change them, members read them; the secret leaves only
// through the explicit reveal route.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  CreateWebhookInput,
  ListWebhooksInput,
  UpdateWebhookInput,
  WebhookSchema,
  WebhookWithSecretSchema,
} from '../../webhooks/schemas.js';
import { createWebhook, deleteWebhook, getWebhookOrThrow, listWebhooks, revealWebhookSecret, updateWebhook } from '../../webhooks/webhooks.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, IdParam, jsonBody, jsonResponse, principalOf } from '../openapi.js';

const Webhook = WebhookSchema.openapi('Webhook');
const WebhookWithSecret = WebhookWithSecretSchema.openapi('WebhookWithSecret');
const conflict = { 409: { description: 'Too many webhooks', content: errorResponses[400].content } } as const;

export function webhookRoutes() {
  const app = new OpenAPIHono<HttpEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks',
      tags: ['webhooks'],
      summary: 'List the company’s webhooks (secrets never included: see hasSecret)',
      request: { query: ListWebhooksInput },
      responses: { 200: jsonResponse(z.object({ items: z.array(Webhook) }), 'Webhooks'), 400: errorResponses[400], 401: errorResponses[401] },
    }),
    async (c) => c.json({ items: await listWebhooks(c.var.ctx, principalOf(c), c.req.valid('query')) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks',
      tags: ['webhooks'],
      summary: 'Subscribe an HTTPS URL to events (admins)',
      request: { body: jsonBody(CreateWebhookInput.openapi('CreateWebhookInput')) },
      responses: { 201: jsonResponse(Webhook, 'Created'), ...errorResponses, ...conflict },
    }),
    async (c) => c.json(await createWebhook(c.var.ctx, principalOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({ method: 'get', path: '/webhooks/{id}', tags: ['webhooks'], summary: 'One webhook', request: { params: IdParam }, responses: { 200: jsonResponse(Webhook, 'The webhook'), ...errorResponses } }),
    async (c) => c.json(await getWebhookOrThrow(c.var.ctx, principalOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/webhooks/{id}',
      tags: ['webhooks'],
      summary: 'Change a webhook (admins); "secret": null removes the secret; "enabled": false fails its queued deliveries (webhook_disabled), true clears disabledReason',
      request: { params: IdParam, body: jsonBody(UpdateWebhookInput.openapi('UpdateWebhookInput')) },
      responses: { 200: jsonResponse(Webhook, 'Updated'), ...errorResponses },
    }),
    async (c) => c.json(await updateWebhook(c.var.ctx, principalOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/webhooks/{id}',
      tags: ['webhooks'],
      summary: 'Delete a webhook (admins); its delivery history stays, queued deliveries fail as webhook_deleted',
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      await deleteWebhook(c.var.ctx, principalOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/{id}/secret/reveal',
      tags: ['webhooks'],
      summary: 'Reveal the webhook with its secret (admins)',
      request: { params: IdParam },
      responses: { 200: jsonResponse(WebhookWithSecret, 'The webhook with its secret (null when it has none)'), ...errorResponses },
    }),
    async (c) => c.json(await revealWebhookSecret(c.var.ctx, principalOf(c), c.req.valid('param').id), 200),
  );

  return app;
}
