// The worker's own vacuum of the delivery queue (src/delivery/queue-vacuum.ts): it runs after VACUUM_AFTER_ROWS
// recorded results and at most once per VACUUM_MIN_INTERVAL_MS, as PostgreSQL's statistics of the table show.
import { describe, expect, it } from 'vitest';
import { startQueueVacuum, VACUUM_AFTER_ROWS, VACUUM_MIN_INTERVAL_MS } from '../../src/delivery/queue-vacuum.js';
import { createTestApp } from '../helpers/app.js';

const t = await createTestApp();

async function vacuumCount(): Promise<number> {
  const { rows } = await t.ctx.pool.query<{ n: string }>(
    `SELECT vacuum_count AS n FROM pg_stat_user_tables WHERE relname = 'webhook_delivery_queue'`,
  );
  return Number(rows[0]!.n);
}

describe('the worker vacuums the delivery queue as its churn asks', () => {
  it('after enough recorded results, and not more often than the minimum interval', async () => {
    let clock = 1_000_000;
    const vacuum = startQueueVacuum(t.ctx.pool, t.ctx.log, () => clock);
    const before = await vacuumCount();
    clock += VACUUM_MIN_INTERVAL_MS;
    vacuum.recorded(VACUUM_AFTER_ROWS - 1);
    await vacuum.idle();
    expect(await vacuumCount()).toBe(before);

    vacuum.recorded(1);
    await vacuum.idle();
    expect(await vacuumCount()).toBe(before + 1);

    // Enough rows again at once, but within the interval: nothing until the clock has moved on.
    vacuum.recorded(VACUUM_AFTER_ROWS);
    await vacuum.idle();
    expect(await vacuumCount()).toBe(before + 1);
    clock += VACUUM_MIN_INTERVAL_MS;
    vacuum.recorded(1);
    await vacuum.idle();
    expect(await vacuumCount()).toBe(before + 2);
  });
});
