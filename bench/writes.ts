// Write throughput of the CRM commands and the cost of webhook fan-out: bulk creates of 100 contacts and
// single updates, for a company with 0 and one with 10 subscribed webhooks (every event then also inserts 10
// delivery rows in the write's transaction). Rounds alternate between the two companies so drift on a shared
// machine hits both alike; the ratio is the figure to watch.
import type { Principal } from '../src/auth/principal.js';
import { signup } from '../src/auth/users.js';
import { createRecords, updateRecord } from '../src/crm/index.js';
import type { Db } from '../src/db/pool.js';
import { createWebhook } from '../src/webhooks/webhooks.js';
import { openBenchDatabase, percentile, time } from './harness.js';

const ROUNDS = 4;
const BULK_CALLS_PER_ROUND = 5; // × 100 contacts
const UPDATES_PER_ROUND = 100;
const WEBHOOKS = 10;

interface Figures {
  bulkMs: number[];
  updateMs: number[];
}

async function tenant(db: Db, name: string): Promise<Principal> {
  const { company, user } = await signup(db, { companyName: name, firstName: 'Bench', lastName: 'Mark', email: `${name.toLowerCase().replace(/\W/g, '')}@bench.example`, password: 'bench-password-1' });
  return { companyId: company.id, userId: user.id, role: 'admin', via: 'system' };
}

async function round(db: Db, principal: Principal, figures: Figures, label: string, r: number): Promise<void> {
  const created: string[] = [];
  figures.bulkMs.push(
    ...(await time(BULK_CALLS_PER_ROUND, async (i) => {
      const inputs = Array.from({ length: 100 }, (_, n) => ({ firstName: `${label}${r}-${i}-${n}`, lastName: 'Bench', emails: [`c${r}.${i}.${n}@${label}.example`] }));
      created.push(...(await createRecords(db, principal, 'contact', inputs)).map((c) => c.id));
    })),
  );
  figures.updateMs.push(...(await time(UPDATES_PER_ROUND, async (i) => void (await updateRecord(db, principal, 'contact', created[i]!, { lastName: `Updated ${i}` })))));
}

const perSecond = (records: number, ms: number[]) => (records * ms.length * 1000) / ms.reduce((a, b) => a + b, 0);
const fmt = (n: number) => n.toFixed(n >= 100 ? 0 : 1);

export async function runWritesBench(): Promise<void> {
  const bench = await openBenchDatabase();
  try {
    const { db } = bench.ctx;
    const plain = await tenant(db, 'NoHooks');
    const hooked = await tenant(db, 'TenHooks');
    for (let i = 0; i < WEBHOOKS; i++) {
      await createWebhook(
        bench.ctx,
        hooked,
        { url: `https://hooks-${i}.example.com/crm`, events: ['contact.created', 'contact.updated'] },
        // A fixed public address: the save-time DNS check must not depend on the network.
        { resolve: async () => [{ address: '93.184.216.34', family: 4 }] },
      );
    }
    const zero: Figures = { bulkMs: [], updateMs: [] };
    const ten: Figures = { bulkMs: [], updateMs: [] };
    await round(db, plain, { bulkMs: [], updateMs: [] }, 'warm', 0); // warm-up: JIT, plans, pool
    for (let r = 1; r <= ROUNDS; r++) {
      await round(db, plain, zero, 'zero', r);
      await round(db, hooked, ten, 'ten', r);
    }
    const [{ n: deliveries } = { n: 0 }] = (await bench.ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries')).rows;

    console.log(`database: ${bench.kind}; ${ROUNDS} rounds × (${BULK_CALLS_PER_ROUND} bulk creates of 100 contacts + ${UPDATES_PER_ROUND} single updates) per company`);
    for (const [label, f] of [
      ['0 webhooks', zero],
      [`${WEBHOOKS} webhooks`, ten],
    ] as const) {
      console.log(
        `${label.padEnd(11)} bulk create: ${fmt(perSecond(100, f.bulkMs))} records/s (p50 ${fmt(percentile(f.bulkMs, 50))} ms, p95 ${fmt(percentile(f.bulkMs, 95))} ms per 100)` +
          ` | single update: ${fmt(perSecond(1, f.updateMs))} records/s (p50 ${fmt(percentile(f.updateMs, 50))} ms, p95 ${fmt(percentile(f.updateMs, 95))} ms)`,
      );
    }
    console.log(`${WEBHOOKS} webhooks, bulk create: ${(perSecond(100, ten.bulkMs) / perSecond(100, zero.bulkMs)).toFixed(2)}× of 0 webhooks`);
    console.log(`${WEBHOOKS} webhooks, single update: ${(perSecond(1, ten.updateMs) / perSecond(1, zero.updateMs)).toFixed(2)}× of 0 webhooks`);
    console.log(`delivery rows written for the ${WEBHOOKS}-webhook company: ${deliveries}`);
  } finally {
    await bench.close();
  }
}
