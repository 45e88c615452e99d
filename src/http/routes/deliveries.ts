// REST for the delivery log (spec §6, §8): list with search and filters, one delivery with request and
// response, and resend (admins) which answers 201 with the new delivery.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { getDeliveryOrThrow, listDeliveries, resendDelivery } from '../../delivery/queries.js';
import { DeliveryDetailSchema, DeliveryPageSchema, DeliverySchema, ListDeliveriesInput } from '../../delivery/schemas.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, IdParam, jsonResponse, principalOf } from '../openapi.js';

const Delivery = DeliverySchema.openapi('WebhookDelivery');
const DeliveryDetail = DeliveryDetailSchema.openapi('WebhookDeliveryDetail');
const conflict = { 409: { description: 'The webhook was deleted or is disabled', content: errorResponses[400].content } } as const;

export function deliveryRoutes() {
  const app = new OpenAPIHono<HttpEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhook-deliveries',
      tags: ['webhook-deliveries'],
      summary: 'The delivery log, newest first, with search, filters and pages',
      request: { query: ListDeliveriesInput },
      responses: { 200: jsonResponse(DeliveryPageSchema.extend({ items: z.array(Delivery) }).openapi('WebhookDeliveryPage'), 'One page'), 400: errorResponses[400], 401: errorResponses[401] },
    }),
    async (c) => c.json(await listDeliveries(c.var.ctx, principalOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhook-deliveries/{id}',
      tags: ['webhook-deliveries'],
      summary: 'One delivery with the request sent and the response received',
      request: { params: IdParam },
      responses: { 200: jsonResponse(DeliveryDetail, 'The delivery'), ...errorResponses },
    }),
    async (c) => c.json(await getDeliveryOrThrow(c.var.ctx, principalOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhook-deliveries/{id}/resend',
      tags: ['webhook-deliveries'],
      summary: 'Send the same body again to the webhook’s current URL with its current secret (admins)',
      request: { params: IdParam },
      responses: { 201: jsonResponse(Delivery, 'The new delivery (trigger "resend", resendOf the original)'), ...errorResponses, ...conflict },
    }),
    async (c) => c.json(await resendDelivery(c.var.ctx, principalOf(c), c.req.valid('param').id), 201),
  );

  return app;
}
