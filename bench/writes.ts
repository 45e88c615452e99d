// Write throughput of the CRM commands and the cost of webhook fan-out: bulk creates of 100 contacts and
// single updates, for a company with 0 and one with 10 subscribed webhooks (every event then also commits a
// fan-out row naming its 10 webhooks, which a worker expands into 10 deliveries after the commit: that
// expansion is timed on its own, as the worker's work), and a third with 10 webhooks that carry a filter (spec §13) which
// every event matches — the worst case for filters: the same rows are written, plus the JS evaluation and a
// second statement. Rounds alternate between the companies so drift on a shared machine hits all alike; the
// ratios are the figures to watch (filtered ÷ unfiltered must stay within 10%).
import { randomUUID } from 'node:crypto';
import type { Principal } from '../src/auth/principal.js';
import { signup } from '../src/auth/users.js';
import { createRecords, updateRecord } from '../src/crm/index.js';
import type { Db } from '../src/db/pool.js';
import { withTransaction } from '../src/db/transaction.js';
import { publishEvents } from '../src/events/publish.js';
import { expandCompanyFanout } from '../src/delivery/fanout.js';
import { createWebhook } from '../src/webhooks/webhooks.js';
import { openBenchDatabase, percentile, time } from './harness.js';

const ROUNDS = 4;
const BULK_CALLS_PER_ROUND = 5; // × 100 contacts
const UPDATES_PER_ROUND = 100;
const WEBHOOKS = 10;
const FAN_OUT_CALLS = 40;
/** Matches every contact event of the bench: lastName is present on created and moves on every update. */
const MATCH_ALL_FILTER = { all: [{ field: 'lastName', op: 'changed' }, { not: { field: 'firstName', op: 'eq', value: 'nobody' } }, { any: [{ field: 'emails', op: 'changed' }, { field: 'lastName', op: 'contains', value: 'e' }] }] };

interface Figures {
  bulkMs: number[];
  updateMs: number[];
  /** The expansion of one bulk create's fan-out rows into deliveries (what a worker does after the commit). */
  expandMs: number[];
}

async function tenant(db: Db, name: string): Promise<Principal> {
  const { company, user } = await signup(db, { companyName: name, firstName: 'Bench', lastName: 'Mark', email: `${name.toLowerCase().replace(/\W/g, '')}@bench.example`, password: 'bench-password-1' });
  return { companyId: company.id, userId: user.id, role: 'admin', via: 'system' };
}

async function round(db: Db, principal: Principal, figures: Figures, label: string, r: number): Promise<void> {
  const created: string[] = [];
  for (let i = 0; i < BULK_CALLS_PER_ROUND; i++) {
    const inputs = Array.from({ length: 100 }, (_, n) => ({ firstName: `${label}${r}-${i}-${n}`, lastName: 'Bench', emails: [`c${r}.${i}.${n}@${label}.example`] }));
    let started = performance.now();
    created.push(...(await createRecords(db, principal, 'contact', inputs)).map((c) => c.id));
    figures.bulkMs.push(performance.now() - started);
    // Off the clock of the write: the expansion a worker runs after the commit, timed on its own.
    started = performance.now();
    await expandCompanyFanout(db, principal.companyId);
    figures.expandMs.push(performance.now() - started);
  }
  figures.updateMs.push(...(await time(UPDATES_PER_ROUND, async (i) => void (await updateRecord(db, principal, 'contact', created[i]!, { lastName: `Updated ${i}` })))));
  await expandCompanyFanout(db, principal.companyId);
}

/**
 * The fan-out alone, filtered vs unfiltered: publishEvents of 100 contact.created events in one transaction,
 * alternating call by call between the two companies, so load from elsewhere on the machine lands on both
 * alike. The CRM write around it (which the rounds above include) is left out, so the ratio is the filters'.
 */
async function fanOutMedians(db: Db, unfiltered: Principal, filtered: Principal): Promise<{ unfilteredMs: number; filteredMs: number }> {
  const publish = async (principal: Principal) => {
    const drafts = Array.from({ length: 100 }, () => {
      const id = randomUUID();
      return { name: 'contact.created' as const, entityId: id, payload: { contact: { id, firstName: 'Ada', lastName: 'Bench', emails: ['ada@bench.example'], customFieldValues: [] } } };
    });
    const started = performance.now();
    await withTransaction(db, (tx) => publishEvents(tx, { companyId: principal.companyId, userId: principal.userId }, drafts));
    return performance.now() - started;
  };
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 5; i++) {
    await publish(unfiltered); // warm-up: plans, JIT
    await publish(filtered);
  }
  for (let i = 0; i < FAN_OUT_CALLS; i++) {
    if (i % 2 === 0) {
      a.push(await publish(unfiltered));
      b.push(await publish(filtered));
    } else {
      b.push(await publish(filtered));
      a.push(await publish(unfiltered));
    }
  }
  return { unfilteredMs: percentile(a, 50), filteredMs: percentile(b, 50) };
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
    const zero: Figures = { bulkMs: [], updateMs: [], expandMs: [] };
    const ten: Figures = { bulkMs: [], updateMs: [], expandMs: [] };
    const tenFiltered: Figures = { bulkMs: [], updateMs: [], expandMs: [] };
    await round(db, plain, { bulkMs: [], updateMs: [], expandMs: [] }, 'warm', 0); // warm-up: JIT, plans, pool
    await round(db, hooked, { bulkMs: [], updateMs: [], expandMs: [] }, 'warm', 0);
    for (let r = 1; r <= ROUNDS; r++) {
      await round(db, plain, zero, 'zero', r);
      await round(db, hooked, ten, 'ten', r);
      await round(db, filteredHooked, tenFiltered, 'filtered', r);
    }
    const deliveriesOf = async (principal: Principal) => {
      await expandCompanyFanout(db, principal.companyId); // the log as every surface reads it
      return (await bench.ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries WHERE company_id = $1', [principal.companyId])).rows[0]!.n;
    };
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
    console.log(
      `expansion of a bulk create's fan-out into ${100 * WEBHOOKS} deliveries (the worker's, after the commit): p50 ${fmt(percentile(ten.expandMs, 50))} ms, p95 ${fmt(percentile(ten.expandMs, 95))} ms` +
        ` — write + expansion: ${((percentile(ten.bulkMs, 50) + percentile(ten.expandMs, 50)) / percentile(zero.bulkMs, 50)).toFixed(2)}× the write with 0 webhooks (p50s)`,
    );
    console.log(`${WEBHOOKS} filtered webhooks, bulk create: ${(perSecond(100, tenFiltered.bulkMs) / perSecond(100, ten.bulkMs)).toFixed(2)}× of ${WEBHOOKS} unfiltered`);
    console.log(`${WEBHOOKS} filtered webhooks, single update: ${(perSecond(1, tenFiltered.updateMs) / perSecond(1, ten.updateMs)).toFixed(2)}× of ${WEBHOOKS} unfiltered`);
    const fanOut = await fanOutMedians(db, hooked, filteredHooked);
    console.log(
      `fan-out of 100 events to ${WEBHOOKS} webhooks (median of ${FAN_OUT_CALLS}, alternating): unfiltered ${fmt(fanOut.unfilteredMs)} ms, filtered ${fmt(fanOut.filteredMs)} ms — filtered ${(Math.abs(fanOut.filteredMs / fanOut.unfilteredMs - 1) * 100).toFixed(1)}% ${fanOut.filteredMs >= fanOut.unfilteredMs ? 'slower' : 'faster'}`,
    );
    console.log(`delivery rows written: ${deliveries} for the ${WEBHOOKS}-webhook company, ${filteredDeliveries} for the filtered one (its filters match every event)`);
  } finally {
    await bench.close();
  }
}
