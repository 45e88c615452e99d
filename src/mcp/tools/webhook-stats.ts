// Webhook health (spec §12): get_webhook_stats, the same query as GET /webhooks/{id}/stats.
import { z } from 'zod';
import { getWebhookStats, WebhookStatsInput, WebhookStatsSchema } from '../../ops/stats.js';
import { defineTool, READ_ONLY } from '../tool.js';

export const webhookStatsTools = [
  defineTool({
    name: 'get_webhook_stats',
    title: 'Get webhook stats',
    description:
      'How healthy a webhook is: {window, total, success, failed, successRate (0–1, null without deliveries), p50DurationMs, p95DurationMs, buckets: [{start, success, failed, p95DurationMs}]}. ' +
      'window "24h" (default) gives 24 hourly buckets; "7d" gives 28 six-hour buckets (aligned to 00, 06, 12, 18 UTC); the last bucket holds now. ' +
      'A delivery counts when its result was recorded; durations are estimated from fixed buckets. Required: id (the webhook). For the failures themselves use list_webhook_deliveries with webhookId and status "failed".',
    input: WebhookStatsInput.extend({ id: z.uuid({ error: 'must be a UUID' }).describe('the webhook') }),
    output: WebhookStatsSchema,
    annotations: READ_ONLY,
    hints: { not_found: 'Use list_webhooks to find webhook ids.' },
    run: (ctx, principal, { id, ...input }) => getWebhookStats(ctx, principal, id, input),
  }),
];
