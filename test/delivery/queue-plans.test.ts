// The worker's statements touch rows in proportion to their batch, never to the backlog behind it. A plan that
// joins a batch with the whole queue (a hash join over a scan of the table, a scan of a company's fan-out rows
// per row) costs every result batch, heartbeat or claim the size of the backlog: with thousands of rows waiting
// — a burst, a tarpit's backlog, an import, retries — the worker slows exactly when it has most to do. (The
// claim's own scans of the queue are the measured exception, below.) Checked by the rows each
// statement read from the queue and fan-out tables (PostgreSQL's counters for the current transaction), with a
// backlog about 200 times the batch, before and after the tables are analyzed.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/transaction.js';
import { expandFanout } from '../../src/delivery/fanout.js';
import { claimDeliveries, recordOutcomes, releaseClaims, renewLeases, type ClaimedDelivery } from '../../src/delivery/queue.js';
import { publishEvents } from '../../src/events/publish.js';
import { createWebhook, startDeliveryFixture } from './fixtures.js';

const { t, receiver } = await startDeliveryFixture({ resetResponder: () => ({ status: 200, body: 'ok' }) });

const BATCH = 48;
const BACKLOG_EVENTS = 5_000; // × 2 webhooks: 10,000 queue rows; and 5,000 fan-out rows

function drafts(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const id = randomUUID();
    return { name: 'contact.created' as const, entityId: id, recordVersion: 1, payload: { contact: { id, firstName: `Queue ${i}`, lastName: 'Plan', emails: [] } } };
  });
}

interface TableReads {
  /** Rows read by sequential scans plus rows fetched through indexes, in the current transaction. */
  queue: number;
  fanout: number;
}

async function readsSoFar(client: pg.PoolClient): Promise<TableReads> {
  const { rows } = await client.query<{ relname: string; n: string }>(
    `SELECT relname, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n
     FROM pg_stat_xact_user_tables WHERE relname IN ('webhook_delivery_queue', 'webhook_delivery_fanout')`,
  );
  const of = (name: string) => Number(rows.find((r) => r.relname === name)?.n ?? 0);
  return { queue: of('webhook_delivery_queue'), fanout: of('webhook_delivery_fanout') };
}

/**
 * What `measured` read from each table, on `client`, inside a transaction rolled back after; `prepare` runs
 * first in the same transaction, uncounted (e.g. the claim whose rows a result batch then records).
 */
async function readsOf<T>(client: pg.PoolClient, prepare: (asPool: pg.Pool) => Promise<T>, measured: (asPool: pg.Pool, prepared: T) => Promise<unknown>): Promise<TableReads> {
  const asPool = client as unknown as pg.Pool;
  await client.query('BEGIN');
  try {
    const prepared = await prepare(asPool);
    const before = await readsSoFar(client);
    await measured(asPool, prepared);
    const after = await readsSoFar(client);
    return { queue: after.queue - before.queue, fanout: after.fanout - before.fanout };
  } finally {
    await client.query('ROLLBACK');
  }
}

describe('the worker’s statements read rows in proportion to their batch, not to the backlog', async () => {
  const tenant = await t.signup();
  // One of them keeps per-record order: its claims also check the fan-out rows for earlier versions of each record.
  await createWebhook(t, tenant, { url: `${receiver.url}/plans-1`, events: ['contact.created'] });
  await createWebhook(t, tenant, { url: `${receiver.url}/plans-2`, events: ['contact.created'], ordering: 'per-record' });
  const actor = { companyId: tenant.companyId, userId: tenant.userId };
  // A backlog of queue rows (expanded, pending) and one of fan-out rows (committed writes not yet expanded).
  await withTransaction(t.ctx.db, (tx) => publishEvents(tx, actor, drafts(BACKLOG_EVENTS)));
  while ((await expandFanout(t.ctx.pool, { limit: 1_000 })).events > 0);
  await withTransaction(t.ctx.db, (tx) => publishEvents(tx, actor, drafts(BACKLOG_EVENTS)));
  const { rows: backlog } = await t.ctx.pool.query<{ queue: number; fanout: number; ordered: number }>(
    `SELECT (SELECT count(*) FROM webhook_delivery_queue WHERE claim_token IS NULL)::int AS queue,
            (SELECT count(*) FROM webhook_delivery_fanout)::int AS fanout,
            (SELECT count(*) FROM webhook_delivery_queue WHERE order_version IS NOT NULL)::int AS ordered`,
  );
  const bound = 10 * BATCH;

  for (const stats of ['as the writes left them', 'analyzed'] as const) {
    it(`claim, results, heartbeat, release and expansion, with the table statistics ${stats}`, async () => {
      expect(backlog[0]!.queue).toBeGreaterThanOrEqual(2 * BACKLOG_EVENTS);
      expect(backlog[0]!.fanout).toBeGreaterThanOrEqual(BACKLOG_EVENTS);
      expect(backlog[0]!.ordered).toBe(BACKLOG_EVENTS);
      if (stats === 'analyzed') await t.ctx.pool.query('ANALYZE webhook_delivery_queue, webhook_delivery_fanout');
      const client = await t.ctx.pool.connect();
      try {
        const token = randomUUID();
        const claimRequest = { token, limit: BATCH, leaseMs: 60_000, perWebhookCap: BATCH, perCompanyCap: 1_000, inFlightByWebhook: new Map(), inFlightByCompany: new Map() };
        const nothing = async () => null;
        const claimed = (pool: pg.Pool) => claimDeliveries(pool, claimRequest);
        const owned = (rows: ClaimedDelivery[]) => rows.map((row) => ({ id: row.id, claimToken: token }));

        const claim = await readsOf(client, nothing, async (pool) => expect((await claimed(pool)).length).toBe(BATCH));
        // The claim's own reads of the queue are not bounded here: it finds which webhooks have due rows with a
        // semi-join over their pending rows and updates its rows through a join planned as a scan of the queue.
        // Versions that reached the rows by key measured worse with a tarpit's backlog on PostgreSQL 15 (the
        // comment in src/delivery/queue.ts). Its per-record check must still probe, not read the fan-out backlog.
        expect(claim.fanout).toBeLessThan(bound);

        const results = await readsOf(client, claimed, async (pool, rows) => {
          const outcome = { status: 'success' as const, statusCode: 200, responseBody: 'ok', error: null, durationMs: 5, requestHeaders: {} };
          expect(await recordOutcomes(pool, rows.map((row) => ({ id: row.id, claimToken: token, outcome })))).toBe(BATCH);
        });
        expect(results.queue).toBeLessThan(bound);

        const heartbeat = await readsOf(client, claimed, async (pool, rows) => expect(await renewLeases(pool, owned(rows), 60_000)).toBe(BATCH));
        expect(heartbeat.queue).toBeLessThan(bound);

        const release = await readsOf(client, claimed, async (pool, rows) => expect(await releaseClaims(pool, owned(rows))).toBe(BATCH));
        expect(release.queue).toBeLessThan(bound);

        const expansion = await readsOf(client, nothing, async (pool) => expect((await expandFanout(pool, { limit: BATCH })).events).toBe(BATCH));
        expect(expansion.fanout).toBeLessThan(bound);
      } finally {
        client.release();
      }
    });
  }
});
