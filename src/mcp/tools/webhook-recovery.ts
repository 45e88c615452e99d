// Catching a webhook up (spec §9): recover_webhook_deliveries and test_webhook, the same commands as
// POST /webhooks/{id}/recover and POST /webhooks/{id}/test.
import { z } from 'zod';
import { recoverDeliveries, RecoverInput, RecoverResultSchema } from '../../delivery/recover.js';
import { DeliverySchema } from '../../delivery/schemas.js';
import { sendTestEvent } from '../../webhooks/test-event.js';
import { CREATES, defineTool } from '../tool.js';

const FIND_WEBHOOK = 'Use list_webhooks to find webhook ids.';
const WebhookId = z.uuid({ error: 'must be a UUID' });

export const webhookRecoveryTools = [
  defineTool({
    name: 'recover_webhook_deliveries',
    title: 'Recover webhook deliveries',
    description:
      'After a receiver outage, re-sends the events a webhook never received. For every event of the window (by event time: since inclusive, until exclusive, default now; at most 30 days) ' +
      'whose deliveries to this webhook ALL failed (nothing successful, pending or waiting for a retry), queues one new delivery with trigger "recover" and resendOf = its latest failed delivery, with the identical body. ' +
      'Use dryRun: true first to get the count without queuing anything. Returns {count, hasMore, dryRun}: at most 10000 per call; hasMore: true means more events qualify, so call again. ' +
      'Calling it again right after queues nothing twice. Required: webhookId, since (ISO-8601 with time zone, e.g. 2026-04-22T10:00:00Z). The webhook must be enabled unless dryRun. Admins only.',
    input: RecoverInput.extend({ webhookId: WebhookId.describe('the webhook to catch up') }),
    output: RecoverResultSchema,
    annotations: { ...CREATES, idempotentHint: true },
    hints: { not_found: FIND_WEBHOOK, conflict: 'With MCP: update_webhook {id, enabled: true} enables it.' },
    run: (ctx, principal, { webhookId, ...input }) => recoverDeliveries(ctx, principal, webhookId, input),
  }),
  defineTool({
    name: 'test_webhook',
    title: 'Send a test event',
    description:
      'Sends a signed test event to ONE webhook (also a disabled one, or one not subscribed to anything in particular): event "webhook.test", envelope ' +
      '{event: "webhook.test", data: {userId, companyId, entityId: <webhook id>, payload: {webhook: {id, url}}}, timestamp}, trigger "test". ' +
      'Returns the new delivery (status pending); poll get_webhook_delivery with its id until status is success or failed to see the statusCode or error kind. Required: id (the webhook). Admins only.',
    input: z.strictObject({ id: WebhookId.describe('the webhook to test') }),
    output: DeliverySchema,
    annotations: CREATES,
    hints: { not_found: FIND_WEBHOOK },
    run: (ctx, principal, { id }) => sendTestEvent(ctx, principal, id),
  }),
];
