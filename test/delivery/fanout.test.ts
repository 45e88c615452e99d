// Fan-out (src/delivery/enqueue.ts, fanout.ts): a write commits one fan-out row per event naming its webhooks,
// and a worker expands them after the commit into log and queue rows, taking up to its free slots claimed at once.
// What is checked from outside: the rows inside and after the write's transaction, what reaches the receiver,
// each row's claim count, and what a read sees.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { DbOrTx } from '../../src/db/pool.js';
import { withTransaction } from '../../src/db/transaction.js';
import { expandFanout, type ExpansionClaim } from '../../src/delivery/fanout.js';
import { claimDeliveries } from '../../src/delivery/queue.js';
import { publishEvents } from '../../src/events/publish.js';
import type { Tenant } from '../helpers/app.js';
import { allFinished, createWebhook, json, startDeliveryFixture, waitForDeliveries } from './fixtures.js';

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

/** The company's log rows with their queue rows' tokens, as `db` sees them, with no expansion first. */
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

async function fanoutRows(db: DbOrTx, companyId: string): Promise<Array<{ event_id: string; webhook_ids: string[] }>> {
  const { rows } = await db.execute<{ event_id: string; webhook_ids: string[] }>(
    sql`SELECT event_id, webhook_ids::text[] AS webhook_ids FROM webhook_delivery_fanout WHERE company_id = ${companyId} ORDER BY created_at, event_id`,
  );
  return rows;
}

/** An expansion's claim for a worker with `limit` free slots and the given busy counts. */
function claimOf(limit: number, perWebhookCap: number, busyByWebhook: ReadonlyMap<string, number> = new Map()): ExpansionClaim {
  return { token: randomUUID(), workerId: randomUUID(), limit, leaseMs: 60_000, perWebhookCap, failingWebhookCap: 2, perCompanyCap: 1_000, busyByWebhook, busyByCompany: new Map() };
}

/** The delivery channel's notifications while `run` runs (and shortly after: they arrive on commit). */
async function notificationsDuring(run: () => Promise<unknown>): Promise<string[]> {
  const listener = await t.ctx.pool.connect();
  const payloads: string[] = [];
  listener.on('notification', (message) => payloads.push(message.payload ?? ''));
  try {
    await listener.query('LISTEN webhook_deliveries');
    await run();
    await new Promise((r) => setTimeout(r, 100));
    return payloads;
  } finally {
    await listener.query('UNLISTEN webhook_deliveries');
    listener.removeAllListeners('notification');
    listener.release();
  }
}

async function tenantWithHooks(hooks: number): Promise<{ tenant: Tenant; webhookIds: string[] }> {
  const tenant = await t.signup();
  const webhookIds: string[] = [];
  for (let i = 0; i < hooks; i++) webhookIds.push((await createWebhook(t, tenant, { url: `${receiver.url}/dd${i}`, events: ['contact.created'] })).id);
  return { tenant, webhookIds };
}

describe('fan-out rows committed with the write, expanded after it', () => {
  it('a write commits one fan-out row per event naming its webhooks, and no log or queue row', async () => {
    const { tenant, webhookIds } = await tenantWithHooks(2);
    await createWebhook(t, tenant, { url: `${receiver.url}/other-event`, events: ['deal.created'] });
    let inside: QueueState[] = [];
    const published = await withTransaction(t.ctx.db, async (tx) => {
      const events = await publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(3));
      inside = await rowsIn(tx, tenant.companyId);
      return events;
    });
    expect(inside).toEqual([]);
    const rows = await fanoutRows(t.ctx.db, tenant.companyId);
    expect(rows.map((r) => r.event_id).sort()).toEqual(published.map((e) => e.id).sort());
    for (const row of rows) expect([...row.webhook_ids].sort()).toEqual([...webhookIds].sort());
  });

  it('an expansion inserts up to the free slots claimed, within each webhook’s cap, the rest pending, and deletes the fan-out rows', async () => {
    const { tenant, webhookIds } = await tenantWithHooks(2);
    await withTransaction(t.ctx.db, (tx) => publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(5)));
    const claim = claimOf(100, 3); // room for rows other tests left too
    const expansion = await expandFanout(t.ctx.pool, { claim });
    expect(expansion.events).toBeGreaterThanOrEqual(5);
    const mine = expansion.claimed.filter((c) => c.companyId === tenant.companyId);
    expect(mine.length).toBe(6);
    for (const claimed of mine) expect(claimed).toMatchObject({ claimToken: claim.token, attempt: 1, disabledReason: null, webhookMissing: false });
    // Each with its event's stored bytes, ready to send.
    const { rows: bodies } = await t.ctx.pool.query<{ id: string; body: string }>('SELECT id, body FROM events WHERE id = ANY ($1::uuid[])', [mine.map((c) => c.eventId)]);
    const bodyOf = new Map(bodies.map((b) => [b.id, b.body]));
    for (const claimed of mine) expect(claimed.body).toBe(bodyOf.get(claimed.eventId));
    const rows = await rowsIn(t.ctx.db, tenant.companyId);
    expect(rows.length).toBe(10);
    for (const id of webhookIds) {
      const claimed = rows.filter((r) => r.webhook_id === id && r.status === 'processing');
      expect(claimed.length).toBe(3);
      for (const row of claimed) expect(row.queue_token).toBe(claim.token);
      expect(rows.filter((r) => r.webhook_id === id && r.status === 'pending' && r.queue_token === null).length).toBe(2);
    }
    expect(await fanoutRows(t.ctx.db, tenant.companyId)).toEqual([]);
    // Expanded once: a second expansion finds nothing of this company.
    await expandFanout(t.ctx.pool);
    expect((await rowsIn(t.ctx.db, tenant.companyId)).length).toBe(10);
  });

  it('delivery, event and record ids are time-ordered UUIDs (version 7): a later write’s deliveries sort after an earlier one’s', async () => {
    const { tenant } = await tenantWithHooks(2);
    const idsOfWrite = async () => {
      const from = Date.now();
      const events = await withTransaction(t.ctx.db, (tx) => publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(3)));
      await expandFanout(t.ctx.pool, { limit: 10_000 });
      const { rows } = await t.ctx.pool.query<{ id: string }>('SELECT id::text FROM webhook_deliveries WHERE event_id = ANY ($1::uuid[])', [events.map((e) => e.id)]);
      return { from, to: Date.now(), ids: rows.map((r) => r.id).sort() };
    };
    const first = await idsOfWrite();
    await new Promise((r) => setTimeout(r, 5));
    const second = await idsOfWrite();
    for (const { from, to, ids } of [first, second]) {
      expect(ids.length).toBe(6);
      for (const id of ids) {
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16); // the first 48 bits: Unix milliseconds
        expect(ms).toBeGreaterThanOrEqual(from - 1_000); // the database's clock, not this process's
        expect(ms).toBeLessThanOrEqual(to + 1_000);
      }
    }
    expect(first.ids.at(-1)! < second.ids[0]!).toBe(true);
    // Events and records are time-ordered too: the write path appends to their keys' indexes as well.
    const [event] = await withTransaction(t.ctx.db, (tx) => publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(1)));
    const contact = await json(await t.call('POST', '/contacts', { key: tenant.key, body: { firstName: 'Ordered' } }));
    for (const id of [event!.id, contact.id as string]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('a webhook at its cap (a tarpit) takes none of the free slots from the others', async () => {
    const tenant = await t.signup();
    const slow = await createWebhook(t, tenant, { url: `${receiver.url}/tarpit-dd`, events: ['contact.created'] });
    const fast = await createWebhook(t, tenant, { url: `${receiver.url}/fast-dd`, events: ['contact.created'] });
    // Two free slots, the tarpit already at its cap of 2. Events go out in order e1 → (tarpit, fast), e2 →
    // (tarpit, fast): the tarpit's rows must not use up the two slots the fast webhook can take.
    await expandFanout(t.ctx.pool); // rows other tests left, so that only this write competes for the two slots below
    await withTransaction(t.ctx.db, (tx) => publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(2)));
    const claim = claimOf(2, 2, new Map([[slow.id, 2]]));
    let expansion!: Awaited<ReturnType<typeof expandFanout>>;
    const notices = await notificationsDuring(async () => (expansion = await expandFanout(t.ctx.pool, { claim })));
    expect(expansion.claimed.filter((c) => c.companyId === tenant.companyId).map((c) => c.webhookId)).toEqual([fast.id, fast.id]);
    // Only rows at this worker's caps were left: the notification names it (it ignores it; other workers wake).
    expect(notices).toEqual([`c:${claim.workerId}`]);
    const rows = await rowsIn(t.ctx.db, tenant.companyId);
    expect(rows.filter((r) => r.webhook_id === slow.id).map((r) => r.status)).toEqual(['pending', 'pending']);
    expect(rows.filter((r) => r.webhook_id === fast.id).map((r) => r.status)).toEqual(['processing', 'processing']);
  });

  it('the worker sends a write’s deliveries after its commit, each claimed once', async () => {
    const { tenant } = await tenantWithHooks(2);
    await startWorker({ perWebhookCap: 3 }).ready;
    const published = await withTransaction(t.ctx.db, (tx) => publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(5)));
    await waitForDeliveries(t, tenant.companyId, allFinished(10));
    expect(receivedFor(published.map((e) => e.entityId)).length).toBe(10);
    // The rows the expansion took claimed and the ones a claim took later: each claimed exactly once.
    expect(await claimCounts(tenant.companyId)).toEqual(Array(10).fill(1));
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

  it('a rolled-back write leaves no fan-out row and sends nothing; the next write is sent whole', async () => {
    const { tenant } = await tenantWithHooks(1);
    await startWorker({ globalCap: 4 }).ready;
    const rolledBack: string[] = [];
    await expect(
      withTransaction(t.ctx.db, async (tx) => {
        const events = await publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(4));
        rolledBack.push(...events.map((e) => e.entityId));
        throw new Error('the write fails after its fan-out');
      }),
    ).rejects.toThrow('the write fails after its fan-out');
    expect(await fanoutRows(t.ctx.db, tenant.companyId)).toEqual([]);
    const published = await withTransaction(t.ctx.db, (tx) => publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(4)));
    await waitForDeliveries(t, tenant.companyId, allFinished(4));
    expect(receivedFor(published.map((e) => e.entityId)).length).toBe(4);
    expect(receivedFor(rolledBack)).toEqual([]);
  });

  it('per-record ordering holds when expansions commit out of order: a later version waits while an earlier one is still a fan-out row', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/ordered-fanout`, events: ['contact.updated'], ordering: 'per-record' });
    const id = randomUUID();
    const update = (version: number) =>
      withTransaction(t.ctx.db, (tx) =>
        publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, [{ name: 'contact.updated', entityId: id, recordVersion: version, payload: { contact: { id, firstName: `v${version}`, lastName: 'Ordered' }, changes: {} } }]),
      );
    const [v1] = await update(1);
    await update(2);
    const claim = () => claimDeliveries(t.ctx.pool, { token: randomUUID(), limit: 100, leaseMs: 60_000, perWebhookCap: 100, perCompanyCap: 1_000, inFlightByWebhook: new Map(), inFlightByCompany: new Map() });
    // Another expansion holds version 1's row (as one still running would), so this one expands version 2 only.
    const holder = await t.ctx.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM webhook_delivery_fanout WHERE event_id = $1 FOR UPDATE', [v1!.id]);
      while ((await expandFanout(t.ctx.pool)).events > 0);
      expect((await claim()).filter((c) => c.webhookId === hook.id)).toEqual([]);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    while ((await expandFanout(t.ctx.pool)).events > 0);
    const first = (await claim()).filter((c) => c.webhookId === hook.id);
    expect(first.map((c) => c.recordVersion)).toEqual([1]);
  });

  it('a write matches filters against the webhooks of this moment, not those an earlier write saw', async () => {
    const tenant = await t.signup();
    const contact = (lastName: string) => {
      const id = randomUUID();
      return { name: 'contact.created' as const, entityId: id, payload: { contact: { id, firstName: 'Ada', lastName, emails: [] } } };
    };
    const write = async (lastName: string) => {
      const [event] = await withTransaction(t.ctx.db, (tx) => publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, [contact(lastName)]));
      const row = (await fanoutRows(t.ctx.db, tenant.companyId)).find((r) => r.event_id === event!.id);
      return [...(row?.webhook_ids ?? [])].sort();
    };
    const first = await createWebhook(t, tenant, { url: `${receiver.url}/f1`, events: ['contact.created'], filter: { field: 'lastName', op: 'eq', value: 'A' } });
    expect(await write('A')).toEqual([first.id]); // this process now knows the company's filtered webhooks
    // Since then: the filter changed, a second webhook came, a third came and was disabled.
    expect((await t.call('PATCH', `/webhooks/${first.id}`, { key: tenant.key, body: { filter: { field: 'lastName', op: 'eq', value: 'B' } } })).status).toBe(200);
    const second = await createWebhook(t, tenant, { url: `${receiver.url}/f2`, events: ['contact.created'], filter: { field: 'lastName', op: 'eq', value: 'A' } });
    const third = await createWebhook(t, tenant, { url: `${receiver.url}/f3`, events: ['contact.created'], filter: { field: 'lastName', op: 'eq', value: 'A' } });
    expect((await t.call('PATCH', `/webhooks/${third.id}`, { key: tenant.key, body: { enabled: false } })).status).toBe(200);
    expect(await write('A')).toEqual([second.id]);
    expect(await write('B')).toEqual([first.id]);
    expect(await write('C')).toEqual([]);
  });

  it('writes, reads and two workers racing expand every event exactly once: one delivery per (event, webhook)', async () => {
    const { tenant, webhookIds } = await tenantWithHooks(3);
    await Promise.all([startWorker({ perWebhookCap: 4 }).ready, startWorker({ perWebhookCap: 4 }).ready]);
    let writing = true;
    const reads = Array.from({ length: 4 }, async () => {
      let readsDone = 0;
      while (writing || readsDone === 0) {
        expect((await t.call('GET', '/webhook-deliveries?pageSize=25', { key: tenant.key })).status).toBe(200);
        readsDone++;
      }
    });
    const writes = await Promise.all(
      Array.from({ length: 12 }, () => withTransaction(t.ctx.db, (tx) => publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(5)))),
    );
    writing = false;
    await Promise.all(reads);
    await waitForDeliveries(t, tenant.companyId, allFinished(12 * 5 * 3));
    const { rows } = await t.ctx.pool.query<{ event_id: string; webhook_id: string; n: number }>(
      'SELECT event_id, webhook_id, count(*)::int AS n FROM webhook_deliveries WHERE company_id = $1 GROUP BY event_id, webhook_id',
      [tenant.companyId],
    );
    const eventIds = writes.flat().map((e) => e.id);
    expect(rows.length).toBe(eventIds.length * webhookIds.length);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(eventIds));
    // Each sent once: no worker died, so nothing was claimed twice.
    const received = receivedFor(writes.flat().map((e) => e.entityId));
    expect(received.length).toBe(eventIds.length * webhookIds.length);
    expect(new Set(received.map((r) => r.headers['x-webhook-delivery'])).size).toBe(received.length);
  });

  it('with no worker running, every read shows a committed write’s deliveries, and a worker started later sends them', async () => {
    const { tenant, webhookIds } = await tenantWithHooks(1);
    const published = await withTransaction(t.ctx.db, (tx) => publishEvents(tx, { companyId: tenant.companyId, userId: tenant.userId }, drafts(2)));
    expect(await rowsIn(t.ctx.db, tenant.companyId)).toEqual([]); // nothing expanded them yet
    const listed = await json(await t.call('GET', '/webhook-deliveries', { key: tenant.key }));
    expect(listed.items.map((d: { status: string; webhookId: string }) => [d.status, d.webhookId])).toEqual([
      ['pending', webhookIds[0]],
      ['pending', webhookIds[0]],
    ]);
    expect(listed.total).toBe(2);
    const lastDelivery = (await json(await t.call('GET', `/webhooks/${webhookIds[0]}`, { key: tenant.key }))).lastDelivery;
    expect(lastDelivery).toMatchObject({ status: 'pending' });
    expect(await fanoutRows(t.ctx.db, tenant.companyId)).toEqual([]);
    await startWorker().ready;
    await waitForDeliveries(t, tenant.companyId, allFinished(2));
    expect(receivedFor(published.map((e) => e.entityId)).length).toBe(2);
  });
});
