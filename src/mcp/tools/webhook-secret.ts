// Secret rotation over MCP (spec §10): rotate_webhook_secret, the same command as POST /webhooks/{id}/secret/rotate.
import { z } from 'zod';
import { RotateSecretInput, RotateSecretResultSchema, rotateWebhookSecret } from '../../webhooks/rotation.js';
import { UPDATES, defineTool } from '../tool.js';

export const webhookSecretTools = [
  defineTool({
    name: 'rotate_webhook_secret',
    title: 'Rotate a webhook secret',
    description:
      'Replaces a webhook’s signing secret and returns {secret, previousSecretExpiresAt}. The new secret (the given one, or a generated one when secret is left out) signs ' +
      'X-Webhook-Signature and webhook-signature from the next delivery on; until previousSecretExpiresAt (now + overlapHours: 0–168, default 24) webhook-signature also ' +
      'carries an entry signed with the previous secret, so receivers verifying webhook-signature can switch at any time. Rotating again ends the earlier overlap. ' +
      'For receivers that check X-Webhook-Signature: have them accept both secrets first, then rotate with that secret, then drop the old one. ' +
      'Required: id (use list_webhooks to find it). Admins only. The secret is shown in this answer; keep it out of logs and committed files.',
    input: RotateSecretInput.extend({ id: z.uuid({ error: 'must be a UUID' }).describe('the webhook') }),
    output: RotateSecretResultSchema,
    annotations: { ...UPDATES, idempotentHint: false },
    hints: { not_found: 'Use list_webhooks to find webhook ids.' },
    run: (ctx, principal, { id, ...input }) => rotateWebhookSecret(ctx, principal, id, input),
  }),
];
