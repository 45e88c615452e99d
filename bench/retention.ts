// Retention under load (spec §12): BENCH_RETENTION_ROWS expired delivery records (default 1,000,000, seeded by
// seed-deliveries.ts over 90 days across 1,000 companies) are purged by the background sweep while deliveries
// run end to end (bulk creates, 3 webhooks, the real worker and an HTTPS receiver in its own process). Rounds
// alternate without and with the purge running; the figure is the throughput with ÷ without (target ≥ 0.9).
// Each "with" round lowers the retention so the sweep always has rows to delete. Then the log's first page and
// a url search on a seeded company, before and after the purge (dead rows must not slow them).
// `npm run bench -- retention`.
import type { Principal } from '../src/auth/principal.js';
import { createRecords } from '../src/crm/index.js';
import { listDeliveries } from '../src/delivery/queries.js';
import { startWorker } from '../src/delivery/worker.js';
import { purgeExpired } from '../src/ops/retention.js';
import { createWebhook } from '../src/webhooks/webhooks.js';
import { company, spawnReceiver } from './delivery.js';
import { openBenchDatabase, percentile, type BenchDatabase } from './harness.js';
import { seedDeliveries } from './seed-deliveries.js';

const ROUND_MS = 8_000;
const ROUNDS = 3;
const WRITE_SIZE = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function queryTimes(db: BenchDatabase, principal: Principal): Promise<string> {
  const figures: string[] = [];
  for (const [name, input] of [['first page', {}], ['search "zapier"', { searchTerm: 'zapier' }]] as const) {
    const runs: number[] = [];
    for (let i = 0; i < 21; i++) {
      const start = performance.now();
      await listDeliveries(db.ctx, principal, { pageSize: 25, ...input });
      if (i > 0) runs.push(performance.now() - start);
    }
    figures.push(`${name} p50 ${percentile(runs, 50).toFixed(1)} ms`);
  }
  return figures.join(', ');
}

export async function runRetentionBench(): Promise<void> {
  const rows = Number(process.env.BENCH_RETENTION_ROWS ?? 1_000_000);
  const db = await openBenchDatabase({ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32', WEBHOOK_TIMEOUT_MS: '2000' });
  const healthy = await spawnReceiver('ok');
  try {
    const seeded = await seedDeliveries(db.ctx.pool, { rows, companies: 1_000 });
    console.log(`seeded ${seeded.rows.toLocaleString('en')} delivery records over 90 days in ${seeded.seconds.toFixed(0)} s`);
    const { rows: [seededCompany] } = await db.ctx.pool.query(`SELECT id FROM companies ORDER BY name LIMIT 1 OFFSET 500`);
    const reader: Principal = { companyId: seededCompany.id, userId: seededCompany.id, role: 'admin', via: 'system' } as Principal;
    const before = await queryTimes(db, reader);

    const principal = await company(db, 'Retention');
    for (const n of [1, 2, 3]) {
      await createWebhook(db.ctx, principal, { url: `${healthy.url}/hook-${n}`, events: ['contact.created'] }, { resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    }
    const worker = startWorker(db.ctx, { sender: { ca: healthy.ca } });
    let received = 0;
    healthy.onReceipt = () => void received++;
    const run = async (): Promise<number> => {
      const startCount = received;
      let expected = 0;
      let writes = 0;
      const started = performance.now();
      while (performance.now() - started < ROUND_MS) {
        if (expected - (received - startCount) > 4_000) {
          await sleep(2);
          continue;
        }
        const inputs = Array.from({ length: WRITE_SIZE }, (_, i) => ({ firstName: `R ${writes}-${i}`, lastName: 'Retention', emails: [] }));
        expected += (await createRecords(db.ctx.db, principal, 'contact', inputs)).length * 3;
        writes++;
      }
      while (received - startCount < expected && performance.now() - started < ROUND_MS + 30_000) await sleep(5);
      return ((received - startCount) * 1000) / (performance.now() - started);
    };
    try {
      await run(); // warm-up
      const rates = { without: [] as number[], with: [] as number[] };
      let purged = 0;
      let retentionDays = 90;
      for (let round = 0; round < ROUNDS; round++) {
        rates.without.push(await run());
        // Cut the retention so this round's sweep has about a third of what remains to delete.
        retentionDays = Math.max(1, Math.floor(retentionDays * 0.66));
        let stop = false;
        const started = performance.now();
        const sweep = purgeExpired(db.ctx.db, { retentionDays, isStopping: () => stop });
        rates.with.push(await run());
        stop = true;
        const totals = await sweep;
        purged += totals.deliveries;
        const seconds = (performance.now() - started) / 1000;
        console.log(
          `round ${round + 1}: without ${rates.without.at(-1)!.toFixed(0)} deliveries/s; with the purge (RETENTION_DAYS=${retentionDays}) ` +
            `${rates.with.at(-1)!.toFixed(0)} deliveries/s while it deleted ${totals.deliveries.toLocaleString('en')} deliveries and ${totals.events.toLocaleString('en')} events (${(totals.deliveries / seconds).toFixed(0)} deliveries/s)`,
        );
      }
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      console.log(`  with ÷ without = ${(sum(rates.with) / sum(rates.without)).toFixed(2)} (target ≥ 0.90); ${purged.toLocaleString('en')} rows purged in the measured rounds`);
    } finally {
      await worker.stop();
    }
    console.log(`log queries on a seeded company before the purge: ${before}; after: ${await queryTimes(db, reader)}`);
  } finally {
    healthy.child.kill();
    await db.close();
  }
}
