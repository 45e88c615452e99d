// Backfill under load (spec §13): 100,000 contacts of one company are sent as contact.snapshot to one webhook
// while three webhooks of another company take live deliveries (bulk creates, the real worker, an HTTPS
// receiver in its own process). Rounds alternate: without (the job's runner stopped and its queued snapshots
// drained) and with (the runner running); the figure is the live throughput with ÷ without (target ≥ 0.90).
// Then the live load stops and the job finishes at full speed: how long the 100,000 took in all.
// `npm run bench -- backfill` (BENCH_BACKFILL_RECORDS to change the size).
import { createRecords } from '../src/crm/index.js';
import { startWorker } from '../src/delivery/worker.js';
import { getBackfill, startBackfill, startBackfillRunner } from '../src/webhooks/backfill.js';
import { createWebhook } from '../src/webhooks/webhooks.js';
import { company, spawnReceiver } from './delivery.js';
import { openBenchDatabase } from './harness.js';

const ROUND_MS = 8_000;
const WRITE_SIZE = 20;
const ROUNDS = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const resolve = async () => [{ address: '127.0.0.1', family: 4 as const }];

export async function runBackfillBench(): Promise<void> {
  const records = Number(process.env.BENCH_BACKFILL_RECORDS ?? 100_000);
  const db = await openBenchDatabase({ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32', WEBHOOK_TIMEOUT_MS: '2000' });
  const healthy = await spawnReceiver('ok');
  try {
    const live = await company(db, 'Live');
    const source = await company(db, 'Source');
    const seedStart = performance.now();
    await db.ctx.pool.query(
      `INSERT INTO records (company_id, type, first_name, last_name, emails, search_text, created_at, updated_at)
       SELECT $1, 'contact', 'Snap ' || g, 'Shot', '{}', 'snap ' || g || ' shot', now(), now() FROM generate_series(1, $2) g`,
      [source.companyId, records],
    );
    const { rows: sourceRows } = await db.ctx.pool.query(`SELECT id FROM records WHERE company_id = $1`, [source.companyId]);
    const snapshotIds = new Set<string>(sourceRows.map((r) => r.id));
    console.log(`seeded ${records.toLocaleString('en')} contacts in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    for (const n of [1, 2, 3]) await createWebhook(db.ctx, live, { url: `${healthy.url}/live-${n}`, events: ['contact.created'] }, { resolve });
    const target = await createWebhook(db.ctx, source, { url: `${healthy.url}/backfill`, events: ['contact.created'] }, { resolve });

    let liveReceived = 0;
    let snapshots = 0;
    healthy.onReceipt = (entity) => {
      if (snapshotIds.has(entity)) snapshots++;
      else liveReceived++;
    };
    const worker = startWorker(db.ctx, { sender: { ca: healthy.ca } });
    let runner = startBackfillRunner(db.ctx, { pollMs: 100 });
    const drained = async () => {
      for (;;) {
        const { rows } = await db.ctx.pool.query(`SELECT count(*)::int AS n FROM webhook_delivery_queue WHERE webhook_id = $1`, [target.id]);
        if (rows[0].n === 0) return;
        await sleep(50);
      }
    };
    const run = async (): Promise<number> => {
      const startCount = liveReceived;
      let expected = 0;
      let writes = 0;
      const started = performance.now();
      while (performance.now() - started < ROUND_MS) {
        if (expected - (liveReceived - startCount) > 4_000) {
          await sleep(2);
          continue;
        }
        const inputs = Array.from({ length: WRITE_SIZE }, (_, i) => ({ firstName: `L ${writes}-${i}`, lastName: 'Live', emails: [] }));
        expected += (await createRecords(db.ctx.db, live, 'contact', inputs)).length * 3;
        writes++;
      }
      while (liveReceived - startCount < expected && performance.now() - started < ROUND_MS + 30_000) await sleep(5);
      return ((liveReceived - startCount) * 1000) / (performance.now() - started);
    };
    try {
      await run(); // warm-up
      const started = performance.now();
      const job = await startBackfill(db.ctx, source, target.id, {});
      const without: number[] = [];
      const withRates: number[] = [];
      let state = await getBackfill(db.ctx, source, target.id, job.id);
      for (let round = 0; round < ROUNDS && state.status === 'running'; round++) {
        await runner.stop();
        await drained();
        without.push(await run());
        runner = startBackfillRunner(db.ctx, { pollMs: 100 });
        const before = snapshots;
        withRates.push(await run());
        state = await getBackfill(db.ctx, source, target.id, job.id);
        console.log(
          `round ${round + 1}: without ${without.at(-1)!.toFixed(0)} live deliveries/s; with the backfill running ${withRates.at(-1)!.toFixed(0)} live deliveries/s ` +
            `and ${(snapshots - before).toLocaleString('en')} snapshots received meanwhile (${state.sent.toLocaleString('en')} of ${state.total.toLocaleString('en')} sent)`,
        );
      }
      while (state.status === 'running' && performance.now() - started < 900_000) {
        await sleep(500);
        state = await getBackfill(db.ctx, source, target.id, job.id);
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(`backfill ${state.status}: ${state.sent.toLocaleString('en')} sent, ${state.failed} failed of ${state.total.toLocaleString('en')} in ${seconds.toFixed(1)} s (${(state.sent / seconds).toFixed(0)} snapshots/s; receiver saw ${snapshots.toLocaleString('en')})`);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      console.log(`  live with ÷ without = ${(mean(withRates) / mean(without)).toFixed(2)} (target ≥ 0.90); the 100,000 took ${seconds.toFixed(0)} s in all, the measured rounds included`);
    } finally {
      await runner.stop();
      await worker.stop();
    }
  } finally {
    healthy.child.kill();
    await db.close();
  }
}
