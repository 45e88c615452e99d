// The baseline people would pick instead of Switchboard's PostgreSQL queue: BullMQ on Redis, doing the same work
// against the same receiver process. Both pipelines are measured the same way, in the same run, with N
// deliveries: WRITERS concurrent producers (4 by default, BASELINE_WRITERS; a CRM takes writes from many API
// requests at once) write batches of 20 events × 3 webhooks (keeping at most MAX_BACKLOG undelivered),
// a worker in the same process POSTs each body signed with HMAC-SHA256, and the rate is deliveries received
// over the time from the first write to the last receipt.
//   Switchboard: createRecords (20 contacts per write, one transaction: records, events, 60 delivery rows),
//     the worker running (claims, sends, records results in the delivery log).
//   BullMQ: queue.addBulk of 60 jobs (the ~1 KB envelope, the URL, the event), a Worker with concurrency 96 (the
//     3 webhooks × 32 slots Switchboard's worker gives them) that signs and POSTs with undici; completed jobs
//     keep their result in Redis (BullMQ's default), the counterpart of the delivery log. No database write
//     stands in front of the BullMQ producer: it measures the queue alone, a generous baseline.
// redis-server (Debian's `redis-server` package) runs in a temp dir on a free loopback port, without
// persistence, and is stopped after. Nothing is installed at run time; without redis-server the phase says
// how to get it and is skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue, Worker as BullWorker } from 'bullmq';
import { Agent, request } from 'undici';
import type { Principal } from '../src/auth/principal.js';
import { createRecords } from '../src/crm/index.js';
import type { BenchDatabase } from './harness.js';
import { percentile, receiptLedger } from './harness.js';

export const BASELINE_DELIVERIES = 6_000;
const WARM_UP_DELIVERIES = 1_200;
const EVENTS_PER_WRITE = 20;
const WEBHOOKS = 3;
/** Switchboard's worker gives each webhook 32 slots; 3 webhooks → 96 requests in flight. */
export const BULLMQ_CONCURRENCY = 96;
const MAX_BACKLOG = 4_000;
/**
 * Concurrent producers, the same for both pipelines. With one, Switchboard's rate was its single writer's: each
 * createRecords is a transaction of several round trips sharing the event loop with the worker, and deliveries
 * kept up with it (p50 commit → receipt 6–13 ms, no backlog), while BullMQ's addBulk outran its worker.
 */
export const WRITERS = Number(process.env.BASELINE_WRITERS ?? 4);
const DRAIN_MS = 60_000;
const SECRET = 'bench-secret-0123456789';
const REDIS_CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the pipelines need of the benchmark's receiver (bench/delivery.ts spawns it in its own process). */
export interface BaselineReceiver {
  url: string;
  ca: Buffer;
  onReceipt: (entity: string, at: number) => void;
}

export interface PipelineResult {
  rate: number;
  delivered: number;
  latencies: number[];
}

/** BullMQ 6 loads its Redis client (ioredis, an optional peer dependency: a dev dependency here) with require. */
export function hasRedisClient(): boolean {
  try {
    createRequire(import.meta.url).resolve('ioredis');
    return true;
  } catch {
    return false;
  }
}

export function findRedisServer(): string | null {
  return REDIS_CANDIDATES.find((candidate) => fs.existsSync(candidate)) ?? null;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Redis {
  port: number;
  stop(): Promise<void>;
}

async function startRedis(binary: string): Promise<Redis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-redis-'));
  const port = await freePort();
  // No RDB snapshots, no AOF: a pure in-memory queue (BullMQ's fastest configuration, so again generous).
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const until = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start on port ${port}:\n${output}`);
    }
    await sleep(50);
  }
  return {
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The shared measurement: `write(i)` produces one batch and returns its entity ids, each delivered to every
 * webhook; at most MAX_BACKLOG deliveries are outstanding; stops after `n` deliveries have been produced and
 * waits for their receipts.
 */
async function measure(receiver: BaselineReceiver, n: number, write: (batch: number) => Promise<string[]>): Promise<PipelineResult> {
  const latencies: number[] = [];
  let received = 0;
  let lastReceipt = 0;
  const ledger = receiptLedger((latency, at) => {
    latencies.push(latency);
    received++;
    lastReceipt = Math.max(lastReceipt, at);
  });
  receiver.onReceipt = ledger.receipt;
  const started = now();
  let expected = 0;
  let claimed = 0; // deliveries the writers have started to produce
  let nextBatch = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (claimed < n) {
        claimed += EVENTS_PER_WRITE * WEBHOOKS;
        while (expected - received > MAX_BACKLOG) await sleep(2);
        const entities = await write(nextBatch++);
        const at = now();
        for (const entity of entities) ledger.committed(entity, at);
        expected += entities.length * WEBHOOKS;
      }
    }),
  );
  const drainUntil = now() + DRAIN_MS;
  while (received < expected && now() < drainUntil) await sleep(5);
  if (received < expected) console.log(`  (drain incomplete: ${received}/${expected})`);
  receiver.onReceipt = () => {};
  return { rate: (received * 1000) / (lastReceipt - started), delivered: received, latencies };
}

/** Switchboard with its worker already running and 3 webhooks subscribed to contact.created. */
export function runSwitchboardPipeline(db: BenchDatabase, principal: Principal, receiver: BaselineReceiver, n = BASELINE_DELIVERIES): Promise<PipelineResult> {
  return measure(receiver, n, async (batch) => {
    // 12 addresses bring the envelope to about 1 KB, the size of the raw ceiling's body.
    const inputs = Array.from({ length: EVENTS_PER_WRITE }, (_, i) => ({
      firstName: `Baseline ${batch}-${i}`,
      lastName: 'Delivery',
      emails: Array.from({ length: 12 }, (_, k) => `n${batch}.${i}.${k}@deliveries.bench.example`),
    }));
    const created = await createRecords(db.ctx.db, principal, 'contact', inputs);
    return created.map((contact) => contact.id);
  });
}

interface DeliveryJob {
  url: string;
  event: string;
  body: string;
}

/** BullMQ + Redis doing the same POSTs; null (with a message) when redis-server is not installed. */
export async function runBullmqPipeline(receiver: BaselineReceiver, bodyBytes: number, n = BASELINE_DELIVERIES): Promise<PipelineResult | null> {
  const binary = findRedisServer();
  if (!binary) {
    console.log('  BullMQ baseline skipped: redis-server not found. Install Debian\'s package: apt-get install redis-server');
    return null;
  }
  if (!hasRedisClient()) {
    console.log('  BullMQ baseline skipped: BullMQ 6 needs the ioredis client (a dev dependency): run npm ci without --omit=dev');
    return null;
  }
  const redis = await startRedis(binary);
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const queue = new Queue<DeliveryJob>('deliveries', { connection });
  const agent = new Agent({ connect: { ca: receiver.ca } });
  const worker = new BullWorker<DeliveryJob>(
    'deliveries',
    async (job) => {
      const { url, event, body } = job.data;
      const started = performance.now();
      const response = await request(url, {
        method: 'POST',
        dispatcher: agent,
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Switchboard-Bench-BullMQ',
          'x-webhook-event': event,
          'x-webhook-delivery': job.id!,
          'x-webhook-signature': createHmac('sha256', SECRET).update(body).digest('hex'),
        },
      });
      const text = await response.body.text();
      if (response.statusCode < 200 || response.statusCode > 299) throw new Error(`HTTP ${response.statusCode}`);
      return { statusCode: response.statusCode, responseBody: text.slice(0, 16_384), durationMs: Math.round(performance.now() - started) };
    },
    { connection, concurrency: BULLMQ_CONCURRENCY },
  );
  worker.on('error', (error) => console.log(`  BullMQ worker error: ${error.message}`));
  try {
    await worker.waitUntilReady();
    const companyId = randomUUID();
    const userId = randomUUID();
    return await measure(receiver, n, async (batch) => {
      const entities: string[] = [];
      const jobs: Array<{ name: string; data: DeliveryJob }> = [];
      for (let i = 0; i < EVENTS_PER_WRITE; i++) {
        const entityId = randomUUID();
        entities.push(entityId);
        // The envelope shape of Switchboard's contact.created, padded to the same size, serialized once per event.
        const envelope = (padding: string) =>
          JSON.stringify({
            event: 'contact.created',
            data: { userId, companyId, entityId, payload: { contact: { id: entityId, firstName: `Baseline ${batch}-${i}`, lastName: 'Delivery', emails: [`n${batch}.${i}@bench.example`], padding } } },
            timestamp: new Date().toISOString(),
          });
        const body = envelope('x'.repeat(Math.max(0, bodyBytes - envelope('').length)));
        for (let w = 1; w <= WEBHOOKS; w++) jobs.push({ name: 'contact.created', data: { url: `${receiver.url}/hook-${w}`, event: 'contact.created', body } });
      }
      await queue.addBulk(jobs);
      return entities;
    });
  } finally {
    await worker.close();
    await queue.close();
    await agent.close();
    await redis.stop();
  }
}

const f0 = (x: number) => x.toFixed(0);
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const latency = (l: number[]) => `p50 ${f1(percentile(l, 50))} ms, p99 ${f1(percentile(l, 99))} ms`;

/** Rounds of the comparison; the pipelines alternate so that load from elsewhere on the machine hits both alike. */
const ROUNDS = Number(process.env.BASELINE_ROUNDS ?? 2);
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The comparison of spec §12 and its table: Switchboard and BullMQ with the same N, alternating for ROUNDS
 * rounds, between two measurements of the raw ceiling (`raw` before, `measureRaw()` after). Ratios use the
 * medians of the rounds and the mean of the two ceilings.
 */
export async function compareWithBullmq(
  db: BenchDatabase,
  principal: Principal,
  receiver: BaselineReceiver,
  raw: number,
  measureRaw?: () => Promise<number>,
): Promise<{ switchboard: number; bullmq: number | null; raw: number }> {
  console.log(`(baseline) same N = ${BASELINE_DELIVERIES} signed POSTs, ${EVENTS_PER_WRITE} events × ${WEBHOOKS} webhooks per write, ${WRITERS} concurrent writers, same receiver, ${ROUNDS} rounds alternating:`);
  const sw: PipelineResult[] = [];
  const bull: PipelineResult[] = [];
  let bodyBytes = 0;
  // Both pipelines warm up first, unmeasured (JIT, connections; for Switchboard also a fresh database's first
  // rows and statistics): the first measured round of a cold run was 30–45 % below the others.
  await runSwitchboardPipeline(db, principal, receiver, WARM_UP_DELIVERIES);
  await runBullmqPipeline(receiver, 1024, WARM_UP_DELIVERIES);
  for (let round = 1; round <= ROUNDS; round++) {
    const s = await runSwitchboardPipeline(db, principal, receiver);
    sw.push(s);
    console.log(`    round ${round}: Switchboard       ${f0(s.rate).padStart(6)} deliveries/s; ${latency(s.latencies)}`);
    if (bodyBytes === 0) {
      const { rows } = await db.ctx.pool.query<{ bytes: number }>(`SELECT round(avg(octet_length(body)))::int AS bytes FROM (SELECT body FROM events WHERE company_id = $1 ORDER BY created_at DESC LIMIT $2) AS last`, [principal.companyId, EVENTS_PER_WRITE * 5]);
      bodyBytes = rows[0]?.bytes ?? 1024;
    }
    const b = await runBullmqPipeline(receiver, bodyBytes);
    if (b) {
      bull.push(b);
      console.log(`    round ${round}: BullMQ + Redis    ${f0(b.rate).padStart(6)} deliveries/s; ${latency(b.latencies)} (concurrency ${BULLMQ_CONCURRENCY})`);
    }
  }
  const rawAfter = measureRaw ? await measureRaw() : raw;
  const ceiling = (raw + rawAfter) / 2;
  const switchboard = median(sw.map((r) => r.rate));
  const bullmq = bull.length > 0 ? median(bull.map((r) => r.rate)) : null;
  console.log(`    raw HTTPS ceiling: ${f0(raw)} req/s before, ${f0(rawAfter)} after; bodies ${bodyBytes} bytes in both pipelines`);
  console.log(`    median: Switchboard ${f0(switchboard)}/s${bullmq === null ? '' : `, BullMQ + Redis ${f0(bullmq)}/s`}, raw ${f0(ceiling)}/s`);
  console.log(`    Switchboard ÷ raw = ${f2(switchboard / ceiling)} (target ≥ 0.40)`);
  if (bullmq !== null) {
    console.log(`    BullMQ ÷ raw = ${f2(bullmq / ceiling)}`);
    console.log(`    Switchboard ÷ BullMQ = ${f2(switchboard / bullmq)} (target ≥ 1.50)`);
  }
  return { switchboard, bullmq, raw: ceiling };
}

/**
 * `npm run bench -- baseline`: only the comparison (raw ceiling, Switchboard and BullMQ with the same N), about
 * a minute; `npm run bench` runs it inside the delivery benchmark's end-to-end phase.
 */
export async function runBaselineBench(): Promise<void> {
  const { company, rawCeiling, spawnReceiver } = await import('./delivery.js');
  const { openBenchDatabase } = await import('./harness.js');
  const { startWorker } = await import('../src/delivery/worker.js');
  const { createWebhook } = await import('../src/webhooks/webhooks.js');
  const db = await openBenchDatabase({ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32', WEBHOOK_TIMEOUT_MS: '2000' });
  const receiver = await spawnReceiver('ok');
  let worker: { stop(): Promise<void> } | null = null;
  try {
    console.log(`database: ${db.kind}`);
    const raw = await rawCeiling(receiver);
    const principal = await company(db, 'Baseline');
    const publicDns = { resolve: async () => [{ address: '127.0.0.1', family: 4 }] };
    for (let w = 1; w <= WEBHOOKS; w++) await createWebhook(db.ctx, principal, { url: `${receiver.url}/hook-${w}`, events: ['contact.created'] }, publicDns);
    worker = startWorker(db.ctx, { sender: { ca: receiver.ca } });
    await compareWithBullmq(db, principal, receiver, raw, () => rawCeiling(receiver));
  } finally {
    await worker?.stop();
    receiver.child.kill();
    await db.close();
  }
}
