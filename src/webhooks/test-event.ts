// The test event (spec §9): POST /webhooks/{id}/test sends `webhook.test` to that webhook only, through the
// normal queue, signed like any other delivery, `trigger: "test"`.
//
// The event is stored as an events row (its body is the exact bytes sent and shown in the delivery log, like
// every event's) but it is not a CRM change: it is never fanned out (enqueueDeliveries is not called), recover
// skips it, and the event feed leaves it out (every reader of events that means "CRM changes" filters on
// TEST_EVENT_NAME).
//
// A disabled webhook can be tested: an admin who disabled an endpoint for maintenance, or found it disabled
// because the receiver answered 410 or kept failing, wants to see it answer 2xx before switching it back on. A
// test carries no CRM data, so it does not break the promise that a disabled webhook gets no new deliveries of
// events.
import { and, eq, sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import { requireAdmin } from '../auth/principal.js';
import type { Db } from '../db/pool.js';
import { webhookDeliveries, webhooks } from '../db/schema/index.js';
import { notFound } from '../errors.js';
import { TEST_EVENT_NAME } from '../events/catalog.js';
import { serializeEnvelope } from '../events/envelope.js';
import { DELIVERY_CHANNEL } from '../delivery/enqueue.js';
import { toDeliveryDto } from '../delivery/queries.js';
import type { DeliveryDto } from '../delivery/schemas.js';

export interface TestEventContext {
  db: Db;
}

/** Queues a `webhook.test` delivery to one webhook and returns it (status pending; poll it for the outcome). */
export async function sendTestEvent(ctx: TestEventContext, principal: Principal, webhookId: string): Promise<DeliveryDto> {
  requireAdmin(principal, 'send test events');
  return ctx.db.transaction(async (tx) => {
    const [webhook] = await tx
      .select({ id: webhooks.id, url: webhooks.url })
      .from(webhooks)
      .where(and(eq(webhooks.id, webhookId), eq(webhooks.companyId, principal.companyId)));
    if (!webhook) throw notFound('webhook', webhookId);
    const timestamp = new Date().toISOString();
    const body = serializeEnvelope({
      event: TEST_EVENT_NAME,
      data: { userId: principal.userId, companyId: principal.companyId, entityId: webhook.id, payload: { webhook: { id: webhook.id, url: webhook.url } } },
      timestamp,
    });
    const inserted = await tx.execute<{ id: string }>(sql`
      INSERT INTO events (company_id, name, entity_id, user_id, body, created_at)
      VALUES (${principal.companyId}, ${TEST_EVENT_NAME}, ${webhook.id}, ${principal.userId}, ${body}, ${timestamp})
      RETURNING id`);
    const [created] = await tx
      .insert(webhookDeliveries)
      .values({
        companyId: principal.companyId,
        webhookId: webhook.id,
        eventId: inserted.rows[0]!.id,
        event: TEST_EVENT_NAME,
        entityId: webhook.id,
        url: webhook.url,
        trigger: 'test',
      })
      .returning();
    await tx.execute(sql`
      INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at)
      VALUES (${created!.id}, ${created!.webhookId}, ${created!.companyId}, ${created!.createdAt})`);
    await tx.execute(sql`SELECT pg_notify(${DELIVERY_CHANNEL}, '')`);
    return toDeliveryDto(created!);
  });
}
