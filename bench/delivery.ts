// Delivery throughput and latency, against HTTPS receivers running in their own processes:
//   (a) raw ceiling: undici POSTing one signed 1 KB body, 64 in flight — what this machine can do at all;
//   (b) end to end: bulk contact creates (createRecords, 20 per write, 4 concurrent writers: BASELINE_WRITERS) with
//       3 subscribed webhooks, commit → receipt; then one writer paced at half of (b)'s peak rate, where latency
//       (not queueing) is the figure;
//   (baseline) after (b): the same N deliveries through Switchboard and through BullMQ + Redis, alternating
//       (bench/bullmq-baseline.ts; `npm run bench -- baseline` runs it alone);
//   (c) (b) plus a 4th webhook on a tarpit that never answers: the healthy webhooks' throughput, in rounds alternating
//       without and with the tarpit (TARPIT_ROUNDS, default 3), each with its ratio;
//   (d) a retry storm: 3 healthy webhooks, then beside them a 4th answering 503 to everything with retries on
//       (WEBHOOK_RETRY_SCHEDULE=1s,1s,1s: 4 attempts per event), the healthy throughput against the same run without,
//       in alternating rounds.
// Then the delivery log's queries on a company with ~1M delivery rows versus a small one.
import { fork, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Agent, request } from 'undici';
import type { Principal } from '../src/auth/principal.js';
import { signup } from '../src/auth/users.js';
import { createRecords } from '../src/crm/index.js';
import { listDeliveries } from '../src/delivery/queries.js';
import { startWorker, type Worker } from '../src/delivery/worker.js';
import { EVENT_NAMES } from '../src/events/catalog.js';
import { createWebhook, updateWebhook } from '../src/webhooks/webhooks.js';
import { compareWithBullmq, WRITERS } from './bullmq-baseline.js';
import { cpuLine, cpuMeter, openBenchDatabase, percentile, postgresPids, receiptLedger, statementProfile, type BenchDatabase } from './harness.js';

const RAW_MS = 5_000;
const PEAK_MS = 10_000;
const HALF_MS = 8_000;
const WRITE_SIZE = 20;
const MAX_BACKLOG = 4_000; // deliveries committed but not yet received: bounds memory and queueing
const DRAIN_MS = 30_000;
const TARPIT_ROUNDS = Number(process.env.TARPIT_ROUNDS ?? 3);
const BIG_COMPANY_ROWS = 1_000_000;
const SMALL_COMPANY_ROWS = 2_000;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Receiver {
  url: string;
  ca: Buffer;
  child: ChildProcess;
  onReceipt: (entity: string, at: number) => void;
}

export async function spawnReceiver(mode: 'ok' | 'tarpit' | 'fail'): Promise<Receiver> {
  const child = fork(new URL('./receiver-process.ts', import.meta.url).pathname, [], { env: { ...process.env, RECEIVER_MODE: mode }, execArgv: ['--import', 'tsx'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (message: any) => {
      if (message.type === 'ready') {
        const receiver: Receiver = { url: message.url, ca: fs.readFileSync(message.caCertPath), child, onReceipt: () => {} };
        child.on('message', (m: any) => {
          if (m.type === 'receipts') for (const [entity, at] of m.receipts) receiver.onReceipt(entity, at);
        });
        resolve(receiver);
      }
    });
  });
}

export async function rawCeiling(receiver: Receiver): Promise<number> {
  const agent = new Agent({ connect: { ca: receiver.ca } });
  const body = JSON.stringify({ event: 'contact.created', data: { padding: 'x'.repeat(940) }, timestamp: new Date().toISOString() });
  const headers = {
    'content-type': 'application/json',
    'x-webhook-event': 'contact.created',
    'x-webhook-delivery': randomUUID(),
    'x-webhook-signature': createHmac('sha256', 'bench-secret').update(body).digest('hex'),
  };
  const post = async () => {
    const response = await request(`${receiver.url}/raw`, { method: 'POST', headers, body, dispatcher: agent });
    await response.body.text();
  };
  // Warm up: open the 64 TLS connections before timing, as the worker's agent keeps its connections alive too.
  await Promise.all(Array.from({ length: 64 }, post));
  let done = 0;
  const until = now() + RAW_MS;
  const started = now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (now() < until) {
        await post();
        done++;
      }
    }),
  );
  await agent.close();
  return (done * 1000) / (now() - started);
}

interface RunResult {
  rate: number;
  latencies: number[];
  delivered: number;
}

/** Writes contacts for `durationMs` (as fast as the backlog allows, or at `rate` deliveries/s) and measures receipts. */
async function endToEnd(db: BenchDatabase, principal: Principal, healthy: Receiver, fanOut: number, durationMs: number, rate: number | null): Promise<RunResult> {
  const latencies: number[] = [];
  let received = 0;
  let lastReceipt = 0;
  const ledger = receiptLedger((latency, at) => {
    latencies.push(latency);
    received++;
    lastReceipt = Math.max(lastReceipt, at);
  });
  healthy.onReceipt = ledger.receipt;
  const started = now();
  let expected = 0;
  let writes = 0;
  // Unpaced, WRITERS concurrent writers (as in the baseline), so the figure is the pipeline's capacity: one
  // sequential writer measured how fast it could write, and with a tarpit subscribed each of its writes also
  // inserted the tarpit's rows. Paced, one writer keeps the schedule.
  const writer = async () => {
    while (now() - started < durationMs) {
      if (rate === null) {
        if (expected - received > MAX_BACKLOG) {
          await sleep(2);
          continue;
        }
      } else {
        const due = started + (writes * WRITE_SIZE * fanOut * 1000) / rate;
        if (due > now()) await sleep(due - now());
      }
      const write = writes++;
      const inputs = Array.from({ length: WRITE_SIZE }, (_, i) => ({ firstName: `Bench ${write}-${i}`, lastName: 'Delivery', emails: [`b${write}.${i}@bench.example`] }));
      const created = await createRecords(db.ctx.db, principal, 'contact', inputs);
      const at = now();
      for (const contact of created) ledger.committed(contact.id, at);
      expected += created.length * fanOut;
    }
  };
  await Promise.all(Array.from({ length: rate === null ? WRITERS : 1 }, writer));
  const drainUntil = now() + DRAIN_MS;
  while (received < expected && now() < drainUntil) await sleep(5);
  if (received < expected) console.log(`  (drain incomplete: ${received}/${expected})`);
  return { rate: (received * 1000) / (lastReceipt - started), latencies, delivered: received };
}

async function drainBacklog(db: BenchDatabase, principal: Principal, healthy: Receiver, fanOut: number, events: number): Promise<{ rate: number; delivered: number }> {
  for (let written = 0; written < events; written += WRITE_SIZE) {
    const inputs = Array.from({ length: WRITE_SIZE }, (_, i) => ({ firstName: `Backlog ${written}-${i}`, lastName: 'Delivery', emails: [] }));
    await createRecords(db.ctx.db, principal, 'contact', inputs);
  }
  let received = 0;
  let last = 0;
  healthy.onReceipt = (_entity, at) => {
    received++;
    last = at;
  };
  const started = now();
  const worker = startWorker(db.ctx, { sender: { ca: healthy.ca } });
  const until = started + DRAIN_MS;
  while (received < events * fanOut && now() < until) await sleep(5);
  await worker.stop();
  return { rate: (received * 1000) / (last - started), delivered: received };
}

async function seedLog(db: BenchDatabase, companyId: string, rows: number): Promise<void> {
  const hooks = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const urls = ['https://hooks.zapier.example/catch/1/abc', 'https://api.make.example/hook/2', 'https://n8n.tools.example/webhook/3', 'https://crm-sync.example.org/in/4'];
  // The log of four webhooks since deleted: their urls stay searchable (migration 0015).
  await db.ctx.pool.query(`INSERT INTO webhook_urls (company_id, webhook_id, url) SELECT $1, unnest($2::uuid[]), unnest($3::text[])`, [companyId, hooks, urls]);
  await db.ctx.pool.query(
    `INSERT INTO webhook_deliveries (company_id, webhook_id, event_id, event, entity_id, url, status, status_code, error_kind,
       error_message, duration_ms, created_at, completed_at, request_headers)
     SELECT $1, ($2::uuid[])[1 + i % 4], gen_random_uuid(), ($3::text[])[1 + i % 15], gen_random_uuid(), ($4::text[])[1 + i % 4],
       CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'success' END, CASE WHEN i % 50 = 0 THEN 500 ELSE 200 END,
       CASE WHEN i % 50 = 0 THEN 'http_status' END, CASE WHEN i % 50 = 0 THEN 'HTTP 500' END, 40 + i % 100,
       now() - i * interval '2 seconds', now() - i * interval '2 seconds', '{"content-type":"application/json"}'::jsonb
     FROM generate_series(1, $5::int) AS i`,
    [companyId, hooks, EVENT_NAMES, urls, rows],
  );
}

async function timeQueries(db: BenchDatabase, principal: Principal): Promise<Record<string, number>> {
  const cases: Record<string, Parameters<typeof listDeliveries>[2]> = {
    'first page': {},
    'page 40': { page: 40 },
    'search "zapier" (url, 25% match)': { searchTerm: 'zapier' },
    'search "deal.upd" (event)': { searchTerm: 'deal.upd' },
    'search with no match': { searchTerm: 'no-such-endpoint' },
    'status=failed': { status: 'failed' },
  };
  const figures: Record<string, number> = {};
  for (const [name, filters] of Object.entries(cases)) {
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = now();
      await listDeliveries(db.ctx, principal, { ...filters, pageSize: 25 });
      runs.push(now() - start);
    }
    figures[name] = percentile(runs, 50);
  }
  return figures;
}

export async function company(db: BenchDatabase, name: string): Promise<Principal> {
  const { company, user } = await signup(db.ctx.db, { companyName: name, firstName: 'Bench', lastName: 'Mark', email: `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@bench.example`, password: 'bench-password-1' });
  return { companyId: company.id, userId: user.id, role: 'admin', via: 'system' };
}

const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const latencyLine = (l: number[]) => `p50 ${f1(percentile(l, 50))} ms, p95 ${f1(percentile(l, 95))} ms, p99 ${f1(percentile(l, 99))} ms`;

export async function runDeliveryBench(): Promise<void> {
  const db = await openBenchDatabase({ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s' });
  const healthy = await spawnReceiver('ok');
  const tarpit = await spawnReceiver('tarpit');
  const failing = await spawnReceiver('fail');
  // DELIVERY_BENCH=throughput|tarpit|storm|queries runs one part (tarpit: only the rounds of (c); peak: only (a)
  // and (b), at peak and at half load).
  const part = process.env.DELIVERY_BENCH;
  try {
    console.log(`database: ${db.kind}; producer: createRecords (bulk contact creates, ${WRITE_SIZE} per write)`);
    if (!part || part === 'throughput' || part === 'tarpit' || part === 'peak') await throughput(db, healthy, tarpit, part === 'tarpit', part === 'peak');
    if (!part || part === 'throughput' || part === 'storm') await retryStorm(db, healthy, failing);
    if (!part || part === 'queries') await logQueries(db);
  } finally {
    healthy.child.kill();
    tarpit.child.kill();
    failing.child.kill();
    await db.close();
  }
}

/**
 * (d) The retry storm, in a company of its own: the same writes with 3 healthy webhooks, first alone, then with a
 * 4th whose receiver answers 503 to everything and whose retries are on. Its failures and their retries (queue
 * rows with a not-before time) must not take the healthy webhooks' throughput.
 */
async function retryStorm(db: BenchDatabase, healthy: Receiver, failing: Receiver): Promise<void> {
  const principal = await company(db, 'Storm');
  const publicDns = { resolve: async () => [{ address: '127.0.0.1', family: 4 }] };
  for (const n of [1, 2, 3]) await createWebhook(db.ctx, principal, { url: `${healthy.url}/storm-ok-${n}`, events: ['contact.created'] }, publicDns);
  const worker = startWorker(db.ctx, { sender: { ca: [healthy.ca.toString(), failing.ca.toString()].join('\n') }, stopDeadlineMs: 500 });
  // Three rounds of (no storm, storm), the failing webhook disabled and enabled between them, so a drift of the
  // machine's load over the run weighs on both sides alike.
  const rates = { without: [] as number[], with: [] as number[] };
  let storm: { id: string } | null = null;
  try {
    await endToEnd(db, principal, healthy, 3, 3_000, null); // warm-up (connections, JIT), not measured
    for (let round = 0; round < 3; round++) {
      if (storm) await updateWebhook(db.ctx, principal, storm.id, { enabled: false });
      const without = await endToEnd(db, principal, healthy, 3, PEAK_MS, null);
      rates.without.push(without.rate);
      if (storm) await updateWebhook(db.ctx, principal, storm.id, { enabled: true });
      else storm = await createWebhook(db.ctx, principal, { url: `${failing.url}/storm`, events: ['contact.created'], retryPolicy: 'exponential' }, publicDns);
      const withStorm = await endToEnd(db, principal, healthy, 3, PEAK_MS, null);
      rates.with.push(withStorm.rate);
      console.log(`(d) round ${round + 1}: 3 webhooks ${f0(without.rate)} deliveries/s; with a 4th failing everything, retries on (1s,1s,1s): healthy ${f0(withStorm.rate)} deliveries/s, ${latencyLine(withStorm.latencies)}`);
    }
    const { rows: [attempts] } = await db.ctx.pool.query<{ total: number; retries: number; disabled: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE trigger = 'retry')::int AS retries,
              count(*) FILTER (WHERE error_kind = 'webhook_disabled')::int AS disabled
       FROM webhook_deliveries WHERE webhook_id = $1`,
      [storm!.id],
    );
    console.log(`    the failing webhook: ${attempts!.total} deliveries, ${attempts!.retries} of them retries (${attempts!.disabled} ended webhook_disabled between rounds)`);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    console.log(`  (d) storm/no storm = ${f1((100 * sum(rates.with)) / sum(rates.without))}% (target ≥ 90%)`);
  } finally {
    await worker.stop();
  }
}

async function throughput(db: BenchDatabase, healthy: Receiver, tarpit: Receiver, tarpitOnly: boolean, peakOnly: boolean): Promise<void> {
  let worker: Worker | null = null;
  try {
    const raw = await rawCeiling(healthy);
    console.log(`(a) raw ceiling, 64 in flight: ${f0(raw)} req/s`);

    const principal = await company(db, 'Deliveries');
    const publicDns = { resolve: async () => [{ address: '127.0.0.1', family: 4 }] };
    for (const n of [1, 2, 3]) await createWebhook(db.ctx, principal, { url: `${healthy.url}/hook-${n}`, events: ['contact.created'] }, publicDns);
    let peak: RunResult | null = null;
    let half: RunResult | null = null;
    if (!tarpitOnly) {
      // Diagnostic: the engine alone — a backlog written first, then drained with no writes competing for CPU.
      const backlog = await drainBacklog(db, principal, healthy, 3, 3_000);
      console.log(`    engine alone, draining a backlog of ${backlog.delivered}: ${f0(backlog.rate)} deliveries/s`);
      worker = startWorker(db.ctx, { sender: { ca: healthy.ca } });

      peak = await endToEnd(db, principal, healthy, 3, PEAK_MS, null);
      console.log(`(b) end to end, 3 webhooks: ${f0(peak.rate)} deliveries/s (${peak.delivered} delivered); at peak ${latencyLine(peak.latencies)}`);
      half = await endToEnd(db, principal, healthy, 3, HALF_MS, peak.rate / 2);
      console.log(`    at half of peak (${f0(peak.rate / 2)}/s offered): ${f0(half.rate)} deliveries/s; ${latencyLine(half.latencies)}`);
      if (peakOnly) return;
      // The baseline of spec §12: the same N through Switchboard and through BullMQ + Redis, same receiver.
      await compareWithBullmq(db, principal, healthy, raw, () => rawCeiling(healthy));
      await worker.stop();
    }

    // The tarpit holds its connections until WEBHOOK_TIMEOUT_MS (2 s here); trust its CA too by sharing one sender CA list.
    // Rounds alternate without and with the tarpit (below): a single (c) measured minutes after (b) mostly
    // measured the machine's drift.
    const tarpitHook = await createWebhook(db.ctx, principal, { url: `${tarpit.url}/tarpit`, events: ['contact.created'] }, publicDns);
    worker = startWorker(db.ctx, { sender: { ca: [healthy.ca.toString(), tarpit.ca.toString()].join('\n') }, stopDeadlineMs: 500 });
    const tarpitRatios: number[] = [];
    // Where the CPU went in each half of a round, per healthy delivery: a steady loss shows here as the group
    // that spends more with the tarpit than without.
    const cpuGroups = { postgres: await postgresPids(db.ctx.pool), receivers: () => [healthy.child.pid!, tarpit.child.pid!] };
    // Rounds go without, with, without, with, …, without: each "with" is compared with the "without" just before
    // it and with the mean of the two around it, so that a drift of the machine's speed (other work on a shared
    // host) cancels instead of landing on one side. A round without: the tarpit disabled, which also fails its
    // queued deliveries (webhook_disabled), so each round with it starts from an empty backlog.
    const phase = async (tarpitEnabled: boolean) => {
      await updateWebhook(db.ctx, principal, tarpitHook.id, { enabled: tarpitEnabled });
      const cpu = cpuMeter(cpuGroups);
      const statements = process.env.BENCH_STATEMENTS ? await statementProfile(db.ctx.pool) : null;
      const result = await endToEnd(db, principal, healthy, 3, PEAK_MS, null);
      const split = cpu();
      if (statements) console.log(`    statements ${tarpitEnabled ? 'with' : 'without'}:\n${await statements.report(result.delivered)}`);
      return { result, cpu: cpuLine(split, result.delivered) };
    };
    const beforeRatios: number[] = [];
    let before = await phase(false);
    for (let round = 0; round < TARPIT_ROUNDS; round++) {
      const withTarpit = await phase(true);
      const after = await phase(false);
      const rate = withTarpit.result.rate;
      beforeRatios.push(rate / before.result.rate);
      tarpitRatios.push(rate / ((before.result.rate + after.result.rate) / 2));
      console.log(
        `(c) round ${round + 1}: 3 webhooks ${f0(before.result.rate)} deliveries/s; + 1 tarpit: healthy ${f0(rate)} deliveries/s; 3 webhooks again ${f0(after.result.rate)}/s: ` +
          `${f1(100 * tarpitRatios.at(-1)!)}% of the mean around it (${f1(100 * beforeRatios.at(-1)!)}% of the round before); ${latencyLine(withTarpit.result.latencies)}`,
      );
      console.log(`    CPU without: ${before.cpu}`);
      console.log(`    CPU with:    ${withTarpit.cpu}`);
      before = after;
    }
    await worker.stop();
    worker = null;

    console.log('ratios:');
    if (peak) console.log(`  (b)/(a) = ${f1((100 * peak.rate) / raw)}% (target ≥ 60%)`);
    console.log(`  (c) tarpit/no tarpit, per round = ${tarpitRatios.map((r) => `${f1(100 * r)}%`).join(', ')} of the mean of the rounds around it (target ≥ 90% in each); of the round before: ${beforeRatios.map((r) => `${f1(100 * r)}%`).join(', ')}`);
    if (half) console.log(`  p99 at half of (b)'s peak = ${f1(percentile(half.latencies, 99))} ms (target ≤ 50 ms)`);
  } finally {
    await worker?.stop();
  }
}

async function logQueries(db: BenchDatabase): Promise<void> {
  {

    const big = await company(db, 'BigLog');
    const small = await company(db, 'SmallLog');
    // Seeding: drop the secondary indexes, bulk insert, rebuild them (a bulk build is several times faster than
    // maintaining ten indexes row by row); the definitions come from the migrated schema itself.
    let start = now();
    const { rows: indexes } = await db.ctx.pool.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'webhook_deliveries' AND indexname <> 'webhook_deliveries_pkey'`,
    );
    for (const index of indexes) await db.ctx.pool.query(`DROP INDEX ${index.indexname}`);
    await seedLog(db, big.companyId, BIG_COMPANY_ROWS);
    await seedLog(db, small.companyId, SMALL_COMPANY_ROWS);
    const client = await db.ctx.pool.connect();
    try {
      await client.query(`SET maintenance_work_mem = '256MB'`);
      for (const index of indexes) await client.query(index.indexdef);
    } finally {
      client.release();
    }
    await db.ctx.pool.query('VACUUM ANALYZE webhook_deliveries');
    console.log(`delivery log queries (median of 5, ms; ${BIG_COMPANY_ROWS} rows seeded in ${f1((now() - start) / 1000)} s):`);
    const bigFigures = await timeQueries(db, big);
    const smallFigures = await timeQueries(db, small);
    const firstBig = await listDeliveries(db.ctx, big, {});
    console.log(`  (big company: total ${firstBig.total}${firstBig.totalCapped ? '+ (capped)' : ''})`);
    console.log(`  ${'query'.padEnd(36)} ${`${BIG_COMPANY_ROWS} rows`.padStart(14)} ${`${SMALL_COMPANY_ROWS} rows`.padStart(12)}`);
    for (const name of Object.keys(bigFigures)) console.log(`  ${name.padEnd(36)} ${f1(bigFigures[name]!).padStart(14)} ${f1(smallFigures[name]!).padStart(12)}`);
  }
}

