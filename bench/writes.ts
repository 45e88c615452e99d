// Write throughput of the CRM commands and the cost of webhook fan-out: bulk creates of 100 contacts and
// single updates, for a company with 0 and one with 10 subscribed webhooks (every event then also inserts 10
// delivery rows in the write's transaction), and a third with 10 webhooks that carry a filter (spec §13) which
// every event matches — the worst case for filters: the same rows are written, plus the JS evaluation and a
// second statement. Rounds alternate between the companies so drift on a shared machine hits all alike; the
// ratios are the figures to watch (filtered ÷ unfiltered must stay within 10%).
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
/** Matches every contact event of the bench: lastName is present on created and moves on every update. */
const MATCH_ALL_FILTER = { all: [{ field: 'lastName', op: 'changed' }, { not: { field: 'firstName', op: 'eq', value: 'nobody' } }, { any: [{ field: 'emails', op: 'changed' }, { field: 'lastName', op: 'contains', value: 'e' }] }] };

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
    const filteredHooked = await tenant(db, 'TenFiltered');
    for (let i = 0; i < WEBHOOKS; i++) {
      for (const [principal, filter] of [[hooked, undefined], [filteredHooked, MATCH_ALL_FILTER]] as const) {
        await createWebhook(
          bench.ctx,
          principal,
          { url: `https://hooks-${i}.example.com/crm`, events: ['contact.created', 'contact.updated'], ...(filter ? { filter } : {}) },
          // A fixed public address: the save-time DNS check must not depend on the network.
          { resolve: async () => [{ address: '93.184.216.34', family: 4 }] },
        );
      }
    }
    const zero: Figures = { bulkMs: [], updateMs: [] };
    const ten: Figures = { bulkMs: [], updateMs: [] };
    const tenFiltered: Figures = { bulkMs: [], updateMs: [] };
    await round(db, plain, { bulkMs: [], updateMs: [] }, 'warm', 0); // warm-up: JIT, plans, pool
    for (let r = 1; r <= ROUNDS; r++) {
      await round(db, plain, zero, 'zero', r);
      await round(db, hooked, ten, 'ten', r);
      await round(db, filteredHooked, tenFiltered, 'filtered', r);
    }
    const deliveriesOf = async (principal: Principal) =>
      (await bench.ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries WHERE company_id = $1', [principal.companyId])).rows[0]!.n;
    const deliveries = await deliveriesOf(hooked);
    const filteredDeliveries = await deliveriesOf(filteredHooked);

    console.log(`database: ${bench.kind}; ${ROUNDS} rounds × (${BULK_CALLS_PER_ROUND} bulk creates of 100 contacts + ${UPDATES_PER_ROUND} single updates) per company`);
    for (const [label, f] of [
      ['0 webhooks', zero],
      [`${WEBHOOKS} webhooks`, ten],
      [`${WEBHOOKS} filtered`, tenFiltered],
    ] as const) {
      console.log(
        `${label.padEnd(11)} bulk create: ${fmt(perSecond(100, f.bulkMs))} records/s (p50 ${fmt(percentile(f.bulkMs, 50))} ms, p95 ${fmt(percentile(f.bulkMs, 95))} ms per 100)` +
          ` | single update: ${fmt(perSecond(1, f.updateMs))} records/s (p50 ${fmt(percentile(f.updateMs, 50))} ms, p95 ${fmt(percentile(f.updateMs, 95))} ms)`,
      );
    }
    console.log(`${WEBHOOKS} webhooks, bulk create: ${(perSecond(100, ten.bulkMs) / perSecond(100, zero.bulkMs)).toFixed(2)}× of 0 webhooks`);
    console.log(`${WEBHOOKS} webhooks, single update: ${(perSecond(1, ten.updateMs) / perSecond(1, zero.updateMs)).toFixed(2)}× of 0 webhooks`);
    console.log(`${WEBHOOKS} filtered webhooks, bulk create: ${(perSecond(100, tenFiltered.bulkMs) / perSecond(100, ten.bulkMs)).toFixed(2)}× of ${WEBHOOKS} unfiltered`);
    console.log(`${WEBHOOKS} filtered webhooks, single update: ${(perSecond(1, tenFiltered.updateMs) / perSecond(1, ten.updateMs)).toFixed(2)}× of ${WEBHOOKS} unfiltered`);
    console.log(`delivery rows written: ${deliveries} for the ${WEBHOOKS}-webhook company, ${filteredDeliveries} for the filtered one (its filters match every event)`);
  } finally {
    await bench.close();
  }
}
