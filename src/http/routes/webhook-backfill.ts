// REST for backfill (spec §13): send the current state of every matching record to one webhook as X.snapshot
// events, as a job with progress and cancel. Admins start and cancel; any member may read a job.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { BackfillInput, BackfillSchema, cancelBackfill, getBackfill, startBackfill } from '../../webhooks/backfill.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, IdParam, jsonBody, jsonResponse, principalOf } from '../openapi.js';

const JobParams = IdParam.extend({
  jobId: z.uuid({ error: 'must be a UUID' }).openapi({ param: { name: 'jobId', in: 'path' } }),
});
const Job = BackfillSchema.openapi('WebhookBackfill');
const conflict = { 409: { description: 'The webhook is disabled, or already has a backfill running', content: errorResponses[400].content } } as const;

export const BACKFILL_DESCRIPTION =
  'Sends one X.snapshot event per record of the chosen types (default: the types the webhook subscribes to) that matches the filter ' +
  "(default: the webhook's own; each record is tested as if it had just been created) to THIS webhook only. The envelope is " +
  '{event: "X.snapshot", data: {userId, companyId, entityId, payload: {X: <dto>}, trigger: "backfill"}, timestamp}, signed and sent like every delivery, ' +
  'with X-Webhook-Record-Version = the version of the state it shows; the deliveries have trigger "backfill". The job runs in the background, ' +
  'resumes after a crash where it stopped, and only adds work while the webhook has fewer than 1000 deliveries queued, so other webhooks keep their speed. ' +
  'Progress: total (records of the types at start), queued, sent (2xx), failed (failed for good); status running, completed, cancelled or failed. One job per webhook at a time.';

export function webhookBackfillRoutes() {
  const app = new OpenAPIHono<HttpEnv>();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/{id}/backfill',
      tags: ['webhooks'],
      summary: 'Send the current state of every matching record to this webhook (admins)',
      description: BACKFILL_DESCRIPTION,
      request: { params: IdParam, body: jsonBody(BackfillInput.openapi('BackfillInput')) },
      responses: { 201: jsonResponse(Job, 'The job, running'), ...errorResponses, ...conflict },
    }),
    async (c) => c.json(await startBackfill(c.var.ctx, principalOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/{id}/backfills/{jobId}',
      tags: ['webhooks'],
      summary: 'A backfill job with its progress',
      request: { params: JobParams },
      responses: { 200: jsonResponse(Job, 'The job'), ...errorResponses },
    }),
    async (c) => {
      const { id, jobId } = c.req.valid('param');
      return c.json(await getBackfill(c.var.ctx, principalOf(c), id, jobId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/webhooks/{id}/backfills/{jobId}',
      tags: ['webhooks'],
      summary: 'Cancel a backfill (admins): nothing more is queued; snapshots already queued are still sent',
      request: { params: JobParams },
      responses: { 200: jsonResponse(Job, 'The job, cancelled (or as it finished)'), ...errorResponses },
    }),
    async (c) => {
      const { id, jobId } = c.req.valid('param');
      return c.json(await cancelBackfill(c.var.ctx, principalOf(c), id, jobId), 200);
    },
  );

  return app;
}
