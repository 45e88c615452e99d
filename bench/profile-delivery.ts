// Profiling aid for the delivery engine (not part of `npm run bench`): drains a backlog once and prints where
// the time went — statement timings by kind, CPU by process group, and index/HOT counters of the queue tables.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { signup } from '../src/auth/users.js';
import { createRecords } from '../src/crm/index.js';
import { startWorker } from '../src/delivery/worker.js';
import { createWebhook } from '../src/webhooks/webhooks.js';
import { openBenchDatabase, postgresPids, processCpuSeconds, statementProfile } from './harness.js';
import { seedDeliveries } from './seed-deliveries.js';

const EVENTS = Number(process.env.PROFILE_EVENTS ?? 3000);
const now = () => performance.now();

const db = await openBenchDatabase({ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32', WEBHOOK_TIMEOUT_MS: '2000' });
const pgPids = await postgresPids(db.ctx.pool);
// CPU in clock ticks (1/100 s), as the figures below are computed.
const cpuTicks = (pid: number) => processCpuSeconds(pid) * 100;
// PROFILE_SEED_ROWS=2000000 drains beside a delivery log of that many rows (100 other companies, seed-deliveries.ts):
// how the log's size weighs on the inserts and updates of each delivery.
if (process.env.PROFILE_SEED_ROWS) {
  const seeded = await seedDeliveries(db.ctx.pool, { rows: Number(process.env.PROFILE_SEED_ROWS), companies: 100 });
  console.log(`seeded ${seeded.rows} delivery rows`);
}
// PROFILE_SQL='ALTER TABLE …' tries a storage setting (statements separated by ';') before anything is written.
for (const statement of (process.env.PROFILE_SQL ?? '').split(';').filter((q) => q.trim())) await db.ctx.pool.query(statement);
const walLsn = async () => (await db.ctx.pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
const walBytes = async (from: string) => Number((await db.ctx.pool.query<{ n: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS n', [from])).rows[0]!.n);
const child = fork(new URL('./receiver-process.ts', import.meta.url).pathname, [], { env: { ...process.env, RECEIVER_MODE: 'ok' }, execArgv: ['--import', 'tsx'] });
const ready: any = await new Promise((r) => child.on('message', (m: any) => m.type === 'ready' && r(m)));
let received = 0;
child.on('message', (m: any) => {
  if (m.type === 'receipts') received += m.receipts.length;
});
const ca = fs.readFileSync(ready.caCertPath);
const { company, user } = await signup(db.ctx.db, { companyName: 'P', firstName: 'P', lastName: 'P', email: `p-${randomUUID().slice(0, 8)}@bench.example`, password: 'bench-password-1' });
const principal = { companyId: company.id, userId: user.id, role: 'admin' as const, via: 'system' as const };
const dns = { resolve: async () => [{ address: '127.0.0.1', family: 4 }] };
for (const n of [1, 2, 3]) await createWebhook(db.ctx, principal, { url: `${ready.url}/hook-${n}`, events: ['contact.created'] }, dns);

const stats = async () => {
  const { rows } = await db.ctx.pool.query(`SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables WHERE relname LIKE 'webhook_deliver%' ORDER BY relname`);
  return rows;
};
// PROFILE_AB='[{…},{…}]' compares worker options in one process: rounds alternate between them, medians printed.
const variants: object[] = process.env.PROFILE_AB ? JSON.parse(process.env.PROFILE_AB) : [JSON.parse(process.env.PROFILE_WORKER ?? '{}')];
const rounds = Number(process.env.PROFILE_ROUNDS ?? 1);
const rates: number[][] = variants.map(() => []);
for (let round = 0; round < rounds; round++) {
  for (const [v, options] of variants.entries()) rates[v]!.push(await drainOnce(options, rounds === 1 && variants.length === 1));
}
if (rounds > 1 || variants.length > 1) {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [v, options] of variants.entries()) console.log(`${JSON.stringify(options)}: median ${median(rates[v]!).toFixed(0)}/s of ${rates[v]!.map((r) => r.toFixed(0)).join(', ')}`);
}

async function drainOnce(options: object, verbose: boolean): Promise<number> {
received = 0;
const produceCpu0 = { node: cpuTicks(process.pid), pg: pgPids().reduce((a, p) => a + cpuTicks(p), 0) };
let t0 = now();
for (let w = 0; w < EVENTS; w += 20) {
  await createRecords(db.ctx.db, principal, 'contact', Array.from({ length: 20 }, (_, i) => ({ firstName: `B${w}-${i}`, lastName: 'D', emails: [] })));
}
const producedMs = now() - t0;
const producedCpu = { node: cpuTicks(process.pid) - produceCpu0.node, pg: pgPids().reduce((a, p) => a + cpuTicks(p), 0) - produceCpu0.pg };
console.log(`produce ${EVENTS} events (${EVENTS * 3} deliveries): ${producedMs.toFixed(0)} ms; CPU ms per delivery: node ${((producedCpu.node * 10) / (EVENTS * 3)).toFixed(3)}, postgres ${((producedCpu.pg * 10) / (EVENTS * 3)).toFixed(3)}`);
await new Promise((r) => setTimeout(r, 600));
const before = await stats();

// Time the worker's statements by name (or first words).
let explained = false;
const timing = new Map<string, { n: number; ms: number; rows: number }>();
const original = db.ctx.pool.query.bind(db.ctx.pool);
(db.ctx.pool as any).query = async (...args: any[]) => {
  const text: string = typeof args[0] === 'string' ? args[0] : args[0].text;
  const key: string = args[0]?.name ?? text.trim().split(/\s+/).slice(0, 3).join(' ');
  if (key === 'claim-deliveries' && !explained && process.env.PROFILE_EXPLAIN) {
    explained = true;
    const client = await db.ctx.pool.connect();
    await client.query('BEGIN');
    const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, args[0]?.values ?? args[1]);
    await client.query('ROLLBACK');
    client.release();
    console.log(plan.rows.map((r: any) => r['QUERY PLAN']).join('\n'));
  }
  const s = now();
  const result = await (original as any)(...args);
  const e = timing.get(key) ?? { n: 0, ms: 0, rows: 0 };
  e.n++;
  e.ms += now() - s;
  e.rows += result.rowCount ?? 0;
  timing.set(key, e);
  return result;
};
const pgs = pgPids();
const cpu0 = { node: cpuTicks(process.pid), recv: cpuTicks(child.pid!), pg: pgs.reduce((a, p) => a + cpuTicks(p), 0) };
const wal0 = await walLsn();
// BENCH_STATEMENTS=1 (with pg_stat_statements preloaded) lists the drain's statements by PostgreSQL time.
const statements = verbose && process.env.BENCH_STATEMENTS ? await statementProfile(db.ctx.pool) : null;
t0 = now();
const worker = startWorker(db.ctx, { sender: { ca }, ...options });
while (received < EVENTS * 3 && now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 5));
const elapsed = now() - t0;
const wal = await walBytes(wal0);
const cpu1 = { node: cpuTicks(process.pid), recv: cpuTicks(child.pid!), pg: pgPids().reduce((a, p) => a + cpuTicks(p), 0) };
await worker.stop();
(db.ctx.pool as any).query = original;
console.log(`drained ${received} in ${elapsed.toFixed(0)} ms: ${((received * 1000) / elapsed).toFixed(0)}/s; WAL ${(wal / received).toFixed(0)} bytes per delivery`);
if (!verbose) return (received * 1000) / elapsed;
const sec = elapsed / 1000;
const per = (t: number) => ((t * 10) / received).toFixed(3);
console.log(`CPU ms per delivery: node ${per(cpu1.node - cpu0.node)}, receiver ${per(cpu1.recv - cpu0.recv)}, postgres ${per(cpu1.pg - cpu0.pg)}, engine (node+pg) ${per(cpu1.node - cpu0.node + cpu1.pg - cpu0.pg)}`);
console.log(`CPU (cores busy): node ${((cpu1.node - cpu0.node) / 100 / sec).toFixed(2)}, receiver ${((cpu1.recv - cpu0.recv) / 100 / sec).toFixed(2)}, postgres ${((cpu1.pg - cpu0.pg) / 100 / sec).toFixed(2)}`);
if (statements) console.log(await statements.report(received));
for (const [k, v] of timing) console.log(`  ${k.padEnd(28)} n=${v.n} total=${v.ms.toFixed(0)}ms avg=${(v.ms / v.n).toFixed(2)}ms rows/stmt=${(v.rows / v.n).toFixed(1)}`);
await new Promise((r) => setTimeout(r, 600));
const after = await stats();
for (const a of after) {
  const b = before.find((x: any) => x.relname === a.relname) ?? { n_tup_ins: 0, n_tup_upd: 0, n_tup_hot_upd: 0, n_tup_del: 0 };
  console.log(`  ${a.relname}: during drain upd=${a.n_tup_upd - b.n_tup_upd} hot=${a.n_tup_hot_upd - b.n_tup_hot_upd} del=${a.n_tup_del - b.n_tup_del}; produce ins=${b.n_tup_ins}`);
}
return (received * 1000) / elapsed;
}
const { rows: idx } = await db.ctx.pool.query(`SELECT relname, indexrelname, pg_relation_size(indexrelid) AS bytes FROM pg_stat_user_indexes WHERE relname LIKE 'webhook_deliver%' ORDER BY 1, 2`);
for (const r of idx) console.log(`  idx ${r.indexrelname} ${(r.bytes / 1024).toFixed(0)} KiB`);
// The log's heap per row: what its fillfactor (room for a row's claimed and completed versions) costs in disk.
const { rows: heap } = await db.ctx.pool.query(`SELECT pg_relation_size('webhook_deliveries') AS bytes, (SELECT count(*) FROM webhook_deliveries) AS n`);
console.log(`  heap webhook_deliveries ${(heap[0].bytes / 1024).toFixed(0)} KiB, ${(heap[0].bytes / Number(heap[0].n)).toFixed(0)} bytes per row`);
child.kill();
await db.close();
process.exit(0);
