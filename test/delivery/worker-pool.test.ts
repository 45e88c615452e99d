// The delivery worker's statements run on a pool of their own whose connections reuse one plan per prepared
// statement (src/db/pool.ts createWorkerPool), while the API's pool keeps PostgreSQL's choice of a plan per call.
// Checked through PostgreSQL's own counters of the plans each connection made for the claim, and through
// pg_stat_activity: the worker's connections are named, and none is left open once it stops.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createWorkerPool, WORKER_APPLICATION_NAME } from '../../src/db/pool.js';
import { claimDeliveries } from '../../src/delivery/queue.js';
import { allFinished, createWebhook, publishContacts, startDeliveryFixture, waitForDeliveries } from './fixtures.js';

const { t, receiver, startWorker } = await startDeliveryFixture({ resetResponder: () => ({ status: 200, body: 'ok' }) });

async function claimPlans(pool: pg.Pool, calls: number): Promise<{ mode: string; generic: number; custom: number }> {
  const client = await pool.connect();
  try {
    const single = { query: client.query.bind(client) } as unknown as pg.Pool; // every call on this one connection
    for (let i = 0; i < calls; i++) {
      await claimDeliveries(single, {
        token: randomUUID(),
        limit: 10,
        leaseMs: 5_000,
        perWebhookCap: 32,
        failingWebhookCap: 4,
        perCompanyCap: 64,
        inFlightByWebhook: new Map(),
        inFlightByCompany: new Map(),
      });
    }
    const mode = (await client.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]!.plan_cache_mode;
    const { rows } = await client.query<{ generic_plans: string; custom_plans: string }>(
      `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'claim-deliveries'`,
    );
    return { mode, generic: Number(rows[0]!.generic_plans), custom: Number(rows[0]!.custom_plans) };
  } finally {
    client.release();
  }
}

async function workerConnections(): Promise<number> {
  const { rows } = await t.database.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
    [WORKER_APPLICATION_NAME],
  );
  return rows[0]!.n;
}

describe("the worker's connections", () => {
  it('reuse one plan for the claim from the first call, where the API pool plans each call for its values', async () => {
    const workerPool = createWorkerPool(t.database.url, 1);
    try {
      expect(await claimPlans(workerPool, 3)).toEqual({ mode: 'force_generic_plan', generic: 3, custom: 0 });
    } finally {
      await workerPool.end();
    }
    // PostgreSQL's default makes its first five plans for each call's values, so three calls show the difference.
    expect(await claimPlans(t.database.pool, 3)).toEqual({ mode: 'auto', generic: 0, custom: 3 });
  });

  it('are named in pg_stat_activity while the worker runs, and all closed once it stops', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/pool`, events: ['contact.created'] });
    const worker = startWorker();
    await worker.ready;
    await publishContacts(t, tenant, 3);
    const rows = await waitForDeliveries(t, tenant.companyId, allFinished(3));
    expect(rows.map((row) => row.status)).toEqual(['success', 'success', 'success']);
    // Its LISTEN connection and at least one of its pool's.
    expect(await workerConnections()).toBeGreaterThanOrEqual(2);
    await worker.stop();
    await expect.poll(workerConnections, { timeout: 5_000 }).toBe(0);
  });
});
