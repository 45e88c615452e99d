// REST for webhook health (spec §12): success, failure and p95 duration per bucket over 24 hours or 7 days,
// read from the hourly rollup (src/ops/stats.ts). Members may read it; another company's webhook is "not found".
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { getWebhookStats, WebhookStatsInput, WebhookStatsSchema } from '../../ops/stats.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, IdParam, jsonResponse, principalOf } from '../openapi.js';

export function webhookStatsRoutes() {
  const app = new OpenAPIHono<HttpEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/{id}/stats',
      tags: ['webhooks'],
      summary: 'Health of one webhook: success rate, p50/p95 duration and per-bucket counts over 24h or 7d',
      description:
        'window "24h" (default) gives 24 hourly buckets, "7d" 28 six-hour buckets aligned to 00, 06, 12 and 18 UTC; the last bucket holds ' +
        'now. A delivery counts in the bucket of the time its result was recorded. successRate is success / total from 0 to 1, null when ' +
        'the window has no deliveries. Durations are estimated from fixed buckets (10, 25, 50, 100, 250, 500 ms, 1, 2.5, 5, 10, 30 s).',
      request: { params: IdParam, query: WebhookStatsInput.strip() },
      responses: { 200: jsonResponse(WebhookStatsSchema, 'The webhook’s health over the window'), ...errorResponses },
    }),
    async (c) => c.json(await getWebhookStats(c.var.ctx, principalOf(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );

  return app;
}
