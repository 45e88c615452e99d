// REST for secret rotation (spec §10): POST /webhooks/{id}/secret/rotate. Admin-only, scoped to the caller's
// company (another company's webhook is "not found").
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { RotateSecretInput, RotateSecretResultSchema, rotateWebhookSecret } from '../../webhooks/rotation.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, IdParam, jsonBody, jsonResponse, principalOf } from '../openapi.js';

export function webhookSecretRoutes() {
  const app = new OpenAPIHono<HttpEnv>();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/{id}/secret/rotate',
      tags: ['webhooks'],
      summary: 'Replace the signing secret, keeping the previous one in webhook-signature for an overlap (admins)',
      description:
        'The new secret (the given `secret`, or a generated one) signs X-Webhook-Signature and webhook-signature from the next delivery on. ' +
        'Until `previousSecretExpiresAt` (now + overlapHours, 0–168, default 24) webhook-signature also carries an entry signed with the previous secret, ' +
        'so a receiver verifying webhook-signature switches to the new secret at any moment of the overlap without a failed check. ' +
        'Only the newest previous secret is kept: rotating again ends the earlier overlap. For X-Webhook-Signature (one secret only), ' +
        'let the receiver accept both secrets first, then rotate with that chosen `secret`, then drop the old one (docs/webhooks.md).',
      request: { params: IdParam, body: jsonBody(RotateSecretInput.openapi('RotateSecretInput')) },
      responses: { 200: jsonResponse(RotateSecretResultSchema.openapi('RotateSecretResult'), 'The new secret (shown once) and the end of the overlap'), ...errorResponses },
    }),
    async (c) => c.json(await rotateWebhookSecret(c.var.ctx, principalOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  return app;
}
