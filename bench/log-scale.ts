// The delivery log and webhook health at scale (spec §12): BENCH_LOG_ROWS delivery records (default 10,000,000)
// across BENCH_LOG_COMPANIES companies (default 1,000), seeded by bench/seed-deliveries.ts, then each query a
// client makes timed 20 times on one company in the middle; the figure is the median (p50 of 20), and the target
// is ≤ 20 ms each. A second company is used for the webhook list so its rates are not served from one cache line.
// `npm run bench -- log-scale`; BENCH_LOG_ROWS=1000000 for a quicker run.
import type { Principal } from '../src/auth/principal.js';
import { listDeliveries } from '../src/delivery/queries.js';
import type { ListDeliveriesInput } from '../src/delivery/schemas.js';
import { getWebhookStats } from '../src/ops/stats.js';
import { listWebhooks } from '../src/webhooks/webhooks.js';
import { openBenchDatabase, percentile } from './harness.js';
import { HOOK_HOSTS, seedDeliveries } from './seed-deliveries.js';

const RUNS = 20;
const TARGET_MS = 20;

export async function runLogScaleBench(): Promise<void> {
  const rows = Number(process.env.BENCH_LOG_ROWS ?? 10_000_000);
  const companies = Number(process.env.BENCH_LOG_COMPANIES ?? 1_000);
  const db = await openBenchDatabase();
  try {
    console.log(`seeding ${rows.toLocaleString('en')} delivery records across ${companies} companies (${db.kind} PostgreSQL)…`);
    const seeded = await seedDeliveries(db.ctx.pool, { rows, companies, log: console.log });
    const size = await db.ctx.pool.query(`SELECT pg_size_pretty(pg_total_relation_size('webhook_deliveries')) AS log, pg_size_pretty(pg_total_relation_size('events')) AS events`);
    console.log(`seeded ${seeded.rows.toLocaleString('en')} deliveries and ${seeded.events.toLocaleString('en')} events in ${seeded.seconds.toFixed(0)} s (log ${size.rows[0].log}, events ${size.rows[0].events})`);

    const { rows: picked } = await db.ctx.pool.query(
      `SELECT c.id, (SELECT w.id FROM webhooks w WHERE w.company_id = c.id ORDER BY w.url LIMIT 1) AS webhook_id
       FROM companies c ORDER BY c.name LIMIT 2 OFFSET $1`,
      [Math.floor(companies / 2)],
    );
    const principal = (companyId: string): Principal => ({ companyId, userId: companyId, role: 'admin', via: 'system' }) as Principal;
    const company = principal(picked[0].id);
    const webhookId: string = picked[0].webhook_id;
    const { rows: counted } = await db.ctx.pool.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE company_id = $1`, [company.companyId]);

    const list = (input: ListDeliveriesInput) => () => listDeliveries(db.ctx, company, { pageSize: 25, ...input });
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['log: first page', list({})],
      [`log: search by url ("${HOOK_HOSTS[0].split('.')[1]}")`, list({ searchTerm: HOOK_HOSTS[0].split('.')[1]! })],
      ['log: search with no match', list({ searchTerm: 'no-such-endpoint' })],
      ['log: event filter (contact.updated)', list({ event: 'contact.updated' })],
      ['log: status=failed', list({ status: 'failed' })],
      ["log: a webhook's page", list({ webhookId })],
      ['stats: 24h', () => getWebhookStats(db.ctx, company, webhookId, { window: '24h' })],
      ['stats: 7d', () => getWebhookStats(db.ctx, company, webhookId, { window: '7d' })],
      ['webhook list with successRate24h', () => listWebhooks(db.ctx, principal(picked[1].id))],
    ];
    console.log(`one company: ${counted[0].n.toLocaleString('en')} of the ${seeded.rows.toLocaleString('en')} rows; p50 and p95 of ${RUNS} runs (target p50 ≤ ${TARGET_MS} ms):`);
    for (const [name, run] of cases) {
      await run(); // warm: plan cache, buffers
      const runs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        await run();
        runs.push(performance.now() - start);
      }
      const p50 = percentile(runs, 50);
      console.log(`  ${name.padEnd(42)} p50 ${p50.toFixed(1).padStart(6)} ms   p95 ${percentile(runs, 95).toFixed(1).padStart(6)} ms   ${p50 <= TARGET_MS ? 'ok' : 'OVER TARGET'}`);
    }
  } finally {
    await db.close();
  }
}
