// Backfill (spec §13): backfill_webhook and get_backfill, the same commands as POST /webhooks/{id}/backfill and
// GET|DELETE /webhooks/{id}/backfills/{jobId}.
import { z } from 'zod';
import { RECORD_TYPES } from '../../events/catalog.js';
import { BackfillInput, BackfillSchema, cancelBackfill, getBackfill, startBackfill } from '../../webhooks/backfill.js';
import { CREATES, defineTool, UPDATES } from '../tool.js';

const Uuid = z.uuid({ error: 'must be a UUID' });

export const webhookBackfillTools = [
  defineTool({
    name: 'backfill_webhook',
    title: 'Send current state to a webhook',
    description:
      `Sends the current state of every matching record to ONE webhook as X.snapshot events (envelope {event: "X.snapshot", data: {userId, companyId, entityId, payload: {X: <record>}, trigger: "backfill"}, timestamp}). ` +
      `types: record types (${RECORD_TYPES.join(', ')}; default: the types the webhook subscribes to). filter: only matching records (default: the webhook's own filter, null for none; each record is tested as if just created). ` +
      'Returns the job {id, status, total, queued, sent, failed}; poll get_backfill {webhookId, id} until status is completed (or cancel it with get_backfill {…, cancel: true}). One job per webhook at a time; the webhook must be enabled. Admins only.',
    input: BackfillInput.extend({ webhookId: Uuid.describe('the webhook to send to') }),
    output: BackfillSchema,
    annotations: CREATES,
    hints: { not_found: 'Use list_webhooks to find webhook ids.', conflict: 'With MCP: update_webhook {id, enabled: true} enables it; get_backfill {webhookId, id, cancel: true} cancels a running job.' },
    run: (ctx, principal, { webhookId, ...input }) => startBackfill(ctx, principal, webhookId, input),
  }),
  defineTool({
    name: 'get_backfill',
    title: 'Get (or cancel) a backfill',
    description:
      'A backfill job with its progress: {id, webhookId, status (running, completed, cancelled, failed), types, filter, total, queued, sent (2xx), failed (failed for good), error, createdAt, finishedAt}. ' +
      'With cancel: true (admins) the job stops queuing snapshots; those already queued are still sent. Required: webhookId, id (the job, from backfill_webhook).',
    input: z.strictObject({
      webhookId: Uuid.describe('the webhook'),
      id: Uuid.describe('the job id from backfill_webhook'),
      cancel: z.boolean({ error: 'must be true or false' }).optional().describe('true cancels the job if it is still running'),
    }),
    output: BackfillSchema,
    annotations: UPDATES,
    hints: { not_found: 'The id comes from backfill_webhook; webhookId from list_webhooks.' },
    run: (ctx, principal, { webhookId, id, cancel }) => (cancel ? cancelBackfill(ctx, principal, webhookId, id) : getBackfill(ctx, principal, webhookId, id)),
  }),
];
