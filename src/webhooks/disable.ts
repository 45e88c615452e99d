// Disabling a webhook and what it does to its queued work (spec §9): manual disable (PATCH), "gone" after a
// 410, "failing" after WEBHOOK_DISABLE_AFTER of failures. Kept apart from webhooks.ts so the worker reaches it
// without loading the API's schemas.
import { sql } from 'drizzle-orm';
import { arrayLiteral, type DbOrTx } from '../db/pool.js';

export type DisabledReason = 'manual' | 'gone' | 'failing';

const DISABLED_MESSAGES: Record<DisabledReason, string> = {
  manual: 'the webhook was disabled before this delivery was sent',
  gone: 'the webhook was disabled because its receiver answered 410 Gone, before this delivery was sent',
  failing: 'the webhook was disabled because all its deliveries failed for WEBHOOK_DISABLE_AFTER, before this delivery was sent',
};

/**
 * The error message of a delivery that ended unsent because its webhook was disabled or deleted while it was
 * queued. The same words whichever statement records it: the disable or the deletion (failUnsentDeliveries), or
 * a worker's claim of a row that statement skipped or that was claimed just before it (worker.ts).
 */
export function unsentMessage(cause: DisabledReason | 'deleted'): string {
  if (cause === 'deleted') return 'the webhook was deleted before this delivery was sent; nothing was sent';
  return `${DISABLED_MESSAGES[cause]}; nothing was sent. Enable the webhook again, then resend or recover the failed deliveries`;
}

/**
 * Deliveries still queued for these (now disabled) webhooks end failed with kind "webhook_disabled" and are
 * never sent; rows a worker holds in flight finish normally.
 */
export async function failQueuedDeliveries(tx: DbOrTx, webhookIds: readonly string[], reason: DisabledReason): Promise<void> {
  await failUnsentDeliveries(tx, webhookIds, 'webhook_disabled', unsentMessage(reason));
}

/**
 * Deliveries still queued for these webhooks (disabled, or deleted: webhooks.ts deleteWebhook) end failed with
 * `kind` and are never sent; rows a worker holds in flight finish normally. A failed attempt whose retry was
 * among them no longer has a retry waiting (next_attempt_at cleared). Queue rows first, then log rows: the
 * order every queue statement locks in.
 *
 * Rows another statement holds at this moment are skipped (SKIP LOCKED), never waited for: in the retry-storm
 * bench on PostgreSQL 15 this statement deadlocked with a worker's result batch, both deleting queue rows of the
 * webhook being disabled, each waiting on a row the other held. A row skipped here is not lost: it is a row a
 * claim is taking or a result batch is finishing, and a claim of a disabled or deleted webhook's row records it
 * failed with the same kind without sending it (queue.ts, disabled_reason and webhook_missing).
 */
export async function failUnsentDeliveries(tx: DbOrTx, webhookIds: readonly string[], kind: 'webhook_disabled' | 'webhook_deleted', message: string): Promise<void> {
  await tx.execute(sql`
    WITH free AS (
      SELECT q.delivery_id FROM webhook_delivery_queue q
      WHERE q.webhook_id = ANY (${arrayLiteral(webhookIds)}::uuid[]) AND q.claim_token IS NULL
      FOR UPDATE SKIP LOCKED
    ),
    dropped AS (
      DELETE FROM webhook_delivery_queue q
      WHERE q.delivery_id = ANY (ARRAY(SELECT delivery_id FROM free))
      RETURNING q.delivery_id, q.retry_of
    ),
    failed AS (
      UPDATE webhook_deliveries d
      SET status = 'failed', error_kind = ${kind}, error_message = ${message}, completed_at = now()
      FROM dropped WHERE d.id = dropped.delivery_id
    )
    UPDATE webhook_deliveries p SET next_attempt_at = NULL
    FROM dropped WHERE p.id = dropped.retry_of AND p.next_attempt_at IS NOT NULL`);
}

/**
 * Disables webhooks that are still enabled (the worker calls it: reason "gone" after a 410) and fails their
 * queued deliveries, in one transaction. Returns the ids it disabled.
 */
export async function disableWebhooks(db: DbOrTx, webhookIds: readonly string[], reason: DisabledReason): Promise<string[]> {
  if (webhookIds.length === 0) return [];
  return db.transaction(async (tx) => {
    const disabled = await tx.execute<{ id: string }>(sql`
      UPDATE webhooks SET enabled = false, disabled_reason = ${reason}, disabled_at = now(), updated_at = now()
      WHERE id = ANY (${arrayLiteral(webhookIds)}::uuid[]) AND enabled
      RETURNING id`);
    const ids = disabled.rows.map((r) => r.id);
    if (ids.length > 0) await failQueuedDeliveries(tx, ids, reason);
    return ids;
  });
}

/**
 * Auto-disable (reason "failing"): webhooks whose deliveries have all failed since at least `windowMs` ago
 * (failing_since, kept by the worker when it records results: set at the first failure after a success, cleared
 * by a success). `webhookIds` narrows the check to the webhooks that just failed; null checks all (the sweep).
 */
export async function disableFailingWebhooks(db: DbOrTx, windowMs: number, webhookIds: readonly string[] | null): Promise<string[]> {
  if (webhookIds !== null && webhookIds.length === 0) return [];
  const only = webhookIds === null ? sql`` : sql`AND id = ANY (${arrayLiteral(webhookIds)}::uuid[])`;
  return db.transaction(async (tx) => {
    const disabled = await tx.execute<{ id: string }>(sql`
      UPDATE webhooks SET enabled = false, disabled_reason = 'failing', disabled_at = now(), updated_at = now()
      WHERE enabled AND failing_since IS NOT NULL AND failing_since <= now() - ${windowMs} * interval '1 millisecond' ${only}
      RETURNING id`);
    const ids = disabled.rows.map((r) => r.id);
    if (ids.length > 0) await failQueuedDeliveries(tx, ids, 'failing');
    return ids;
  });
}
