// Direct dispatch (src/delivery/dispatch.ts): a write hands its deliveries to the worker of its own process,
// inserted already claimed, and the worker sends them once the write commits. What is checked from outside:
// the rows inside the write's transaction, what reaches the receiver, and each row's claim count.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { DbOrTx } from '../../src/db/pool.js';
import { withTransaction } from '../../src/db/transaction.js';
import { publishEvents } from '../../src/events/publish.js';
import type { Tenant } from '../helpers/app.js';
import { allFinished, createWebhook, startDeliveryFixture, waitForDeliveries } from './fixtures.js';

const { t, receiver, startWorker } = await startDeliveryFixture({ resetResponder: () => ({ status: 200, body: 'ok' }) });

function drafts(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const id = randomUUID();
    return { name: 'contact.created' as const, entityId: id, payload: { contact: { id, firstName: `Ada ${i}`, lastName: 'Lovelace', emails: [] } } };
  });
}

interface QueueState {
  status: string;
  claim_token: string | null;
  queue_token: string | null;
  webhook_id: string;
}

/** The company's log rows with their queue rows' tokens, as `db` sees them (a transaction: before its commit). */
async function rowsIn(db: DbOrTx, companyId: string): Promise<QueueState[]> {
  const { rows } = await db.execute<QueueState & Record<string, unknown>>(
    sql`SELECT d.status, d.claim_token, q.claim_token AS queue_token, d.webhook_id
        FROM webhook_deliveries d LEFT JOIN webhook_delivery_queue q ON q.delivery_id = d.id
        WHERE d.company_id = ${companyId} ORDER BY d.created_at, d.id`,
  );
  return rows;
}

const receivedFor = (entityIds: readonly string[]) => receiver.requests.filter((r) => entityIds.some((id) => r.body.includes(id)));

async function claimCounts(companyId: string): Promise<number[]> {
  const { rows } = await t.ctx.pool.query<{ claim_count: number }>('SELECT claim_count FROM webhook_deliveries WHERE company_id = $1', [companyId]);
  return rows.map((r) => r.claim_count);
}

async function waitFor(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const until = Date.now() + timeoutMs; !done(); await new Promise((r) => setTimeout(r, 25))) {
    if (Date.now() > until) throw new Error('timed out waiting');
  }
}

async function tenantWithHooks(hooks: number): Promise<{ tenant: Tenant; webhookIds: string[] }> {
  const tenant = await t.signup();
  const webhookIds: string[] = [];
  for (let i = 0; i < hooks; i++) webhookIds.push((await createWebhook(t, tenant, { url: `${receiver.url}/dd${i}`, events: ['contact.created'] })).id);
  return { tenant, webhookIds };
}

describe('direct dispatch to the worker of the writing process', () => {
  it('inserts the rows claimed within the worker’s free slots per webhook, and sends them once the write commits', async () => {
    const { tenant, webhookIds } = await tenantWithHooks(2);
    await startWorker({ perWebhookCap: 3 }).ready;
    let inside: QueueState[] = [];
    const published = await withTransaction(t.ctx.db, async (tx) => {
      const events = await publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(5));
      inside = await rowsIn(tx, tenant.companyId);
      return events;
    });
    // Read in the write's own transaction: no claim can have seen these rows yet.
    expect(inside.length).toBe(10);
    for (const id of webhookIds) {
      const claimed = inside.filter((r) => r.webhook_id === id && r.status === 'processing');
      expect(claimed.length).toBe(3);
      for (const row of claimed) expect(row.queue_token).toBe(row.claim_token);
      expect(inside.filter((r) => r.webhook_id === id && r.status === 'pending' && r.queue_token === null).length).toBe(2);
    }
    await waitForDeliveries(t, tenant.companyId, allFinished(10));
    const entityIds = published.map((e) => e.entityId);
    expect(receivedFor(entityIds).length).toBe(10);
    // Each row was claimed once: the dispatched ones by the write, the others by the worker's claim.
    expect(await claimCounts(tenant.companyId)).toEqual(Array(10).fill(1));
  });

  it('a webhook at its cap (a tarpit) takes none of the worker’s free slots from the others', async () => {
    const tenant = await t.signup();
    const slow = await createWebhook(t, tenant, { url: `${receiver.url}/tarpit-dd`, events: ['contact.created'] });
    const fast = await createWebhook(t, tenant, { url: `${receiver.url}/fast-dd`, events: ['contact.created'] });
    receiver.setResponder((request) => (request.path === '/tarpit-dd' ? { hang: true } : { status: 200, body: 'ok' }));
    // Disabled while the tarpit fills its 2 slots with 2 hanging requests, then enabled for the write under test.
    await t.call('PATCH', `/webhooks/${fast.id}`, { key: tenant.key, body: { enabled: false } });
    await startWorker({ globalCap: 4, perWebhookCap: 2, leaseMs: 3_000, stopDeadlineMs: 200 }).ready;
    await withTransaction(t.ctx.db, (tx) => publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(2)));
    await waitFor(() => receiver.requests.filter((r) => r.path === '/tarpit-dd').length === 2);
    await t.call('PATCH', `/webhooks/${fast.id}`, { key: tenant.key, body: { enabled: true } });
    let inside: QueueState[] = [];
    await withTransaction(t.ctx.db, async (tx) => {
      await publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(2));
      inside = await rowsIn(tx, tenant.companyId);
    });
    // Free slots: 4 − 2 in flight. Events go out in order e1 → (tarpit, fast), e2 → (tarpit, fast): the tarpit's
    // rows are at its cap and must not use up the two slots the fast webhook can take.
    const fresh = inside.slice(2);
    expect(fresh.filter((r) => r.webhook_id === slow.id).map((r) => r.status)).toEqual(['pending', 'pending']);
    expect(fresh.filter((r) => r.webhook_id === fast.id).map((r) => r.status)).toEqual(['processing', 'processing']);
  });

  it('writes running side by side never take more than a webhook’s cap between them; what passes it waits and is sent once', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/capped-dd`, events: ['contact.created'] });
    // The receiver holds each request to it 300 ms and counts how many it holds at once.
    let holding = 0;
    let mostHeld = 0;
    receiver.setResponder(async (request) => {
      if (request.path !== '/capped-dd') return { status: 200, body: 'ok' };
      mostHeld = Math.max(mostHeld, ++holding);
      await new Promise((r) => setTimeout(r, 300));
      holding--;
      return { status: 200, body: 'ok' };
    });
    await startWorker({ perWebhookCap: 2, leaseMs: 3_000 }).ready;
    // Six writes of two events at once, each on a connection of its own that has begun its transaction, so that
    // their statements run side by side: each reservation sees the webhook with no request in flight.
    let arrived = 0;
    let allArrived!: () => void;
    const barrier = new Promise<void>((resolve) => (allArrived = resolve));
    const writes = await Promise.all(
      Array.from({ length: 6 }, () =>
        withTransaction(t.ctx.db, async (tx) => {
          await tx.execute(sql`SELECT 1`);
          if (++arrived === 6) allArrived();
          await barrier;
          return publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(2));
        }),
      ),
    );
    await waitForDeliveries(t, tenant.companyId, allFinished(12), 15_000);
    expect(mostHeld).toBeLessThanOrEqual(2);
    const received = receivedFor(writes.flat().map((e) => e.entityId));
    expect(received.length).toBe(12);
    expect(new Set(received.map((r) => r.headers['x-webhook-delivery'])).size).toBe(12);
  });

  it('a rolled-back write sends nothing, and its slots come back for the next write', async () => {
    const { tenant } = await tenantWithHooks(1);
    await startWorker({ globalCap: 4, leaseMs: 1_500 }).ready;
    const rolledBack: string[] = [];
    await expect(
      withTransaction(t.ctx.db, async (tx) => {
        const events = await publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(4));
        rolledBack.push(...events.map((e) => e.entityId));
        throw new Error('the write fails after its fan-out');
      }),
    ).rejects.toThrow('the write fails after its fan-out');
    // After a third of the lease the four slots are free again: the next write is dispatched whole.
    await new Promise((r) => setTimeout(r, 700));
    let dispatchedInside = 0;
    const published = await withTransaction(t.ctx.db, async (tx) => {
      const events = await publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(4));
      dispatchedInside = (await rowsIn(tx, tenant.companyId)).filter((r) => r.status === 'processing').length;
      return events;
    });
    expect(dispatchedInside).toBe(4);
    await waitForDeliveries(t, tenant.companyId, allFinished(4));
    expect(receivedFor(published.map((e) => e.entityId)).length).toBe(4);
    expect(receivedFor(rolledBack)).toEqual([]);
  });

  it('a write that commits later than a third of the lease: its rows go to the claim path and are sent once', async () => {
    const { tenant } = await tenantWithHooks(1);
    await startWorker({ leaseMs: 1_500 }).ready;
    let dispatchedInside = 0;
    const published = await withTransaction(t.ctx.db, async (tx) => {
      const events = await publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(3));
      dispatchedInside = (await rowsIn(tx, tenant.companyId)).filter((r) => r.status === 'processing').length;
      await new Promise((r) => setTimeout(r, 700)); // past a third of the lease the rows were inserted with
      return events;
    });
    expect(dispatchedInside).toBe(3);
    await waitForDeliveries(t, tenant.companyId, allFinished(3));
    const received = receivedFor(published.map((e) => e.entityId));
    expect(received.length).toBe(3);
    expect(new Set(received.map((r) => r.headers['x-webhook-delivery'])).size).toBe(3);
    // Claimed by the write, returned to pending, claimed again by the worker's claim.
    expect(await claimCounts(tenant.companyId)).toEqual([2, 2, 2]);
  });

  it('a transaction already running for a sixth of the lease (an import) leaves its rows to the claim path', async () => {
    const { tenant } = await tenantWithHooks(1);
    await startWorker({ leaseMs: 600 }).ready;
    let inside: QueueState[] = [];
    const published = await withTransaction(t.ctx.db, async (tx) => {
      await new Promise((r) => setTimeout(r, 150));
      const events = await publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(2));
      inside = await rowsIn(tx, tenant.companyId);
      return events;
    });
    expect(inside.map((r) => [r.status, r.queue_token])).toEqual([
      ['pending', null],
      ['pending', null],
    ]);
    await waitForDeliveries(t, tenant.companyId, allFinished(2));
    expect(receivedFor(published.map((e) => e.entityId)).length).toBe(2);
  });

  it('without a worker in the process, a write leaves every row pending for any worker', async () => {
    const { tenant } = await tenantWithHooks(1);
    await withTransaction(t.ctx.db, (tx) => publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(2)));
    const rows = await rowsIn(t.ctx.db, tenant.companyId);
    expect(rows.map((r) => [r.status, r.queue_token])).toEqual([
      ['pending', null],
      ['pending', null],
    ]);
  });
});
