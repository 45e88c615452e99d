// Profiling aid (not part of `npm run bench`): what the rows of one delivery cost PostgreSQL, for the ways the
// delivery log and the queue could be written. Each shape writes batches of 64 deliveries, as the expansion and
// the result batch do, on the real tables; rounds alternate between shapes. Printed per delivery: the backend's
// CPU (µs) and WAL (bytes).
//   taken     today, a delivery the expansion takes: log row inserted 'processing' + claimed queue row; at the
//             result the queue row is deleted and the log row updated (HOT).
//   claimed   today, a delivery left pending: log row and pending queue row; the claim updates both; the result
//             deletes the queue row and updates the log row.
//   at-result the log row written once, at the result: a claimed queue row, then its delete and the log insert.
//   log-only  the floor of any shape: the log row's insert alone.
// `npx tsx bench/log-row-shapes.ts` (DATABASE_URL for a server; LOG_ROW_ROUNDS, default 6).
import { randomUUID } from 'node:crypto';
import { openBenchDatabase, processCpuSeconds } from './harness.js';

const BATCH = 64;
const BATCHES = 100;
const ROUNDS = Number(process.env.LOG_ROW_ROUNDS ?? 6);

const db = await openBenchDatabase({});
const client = await db.ctx.pool.connect();
const backendPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
const company = randomUUID();
await client.query(`INSERT INTO companies (id, name) VALUES ($1, 'Log row shapes')`, [company]);
const webhooks = [randomUUID(), randomUUID(), randomUUID()];
const headers = JSON.stringify({
  'content-type': 'application/json',
  'user-agent': 'Switchboard/0.1',
  'webhook-id': `evt_${randomUUID()}`,
  'webhook-timestamp': '1790000000',
  'webhook-signature': 'v1,<masked>',
});

const insertLog = (status: 'pending' | 'processing') => `
  INSERT INTO webhook_deliveries (id, company_id, webhook_id, event_id, event, entity_id, url, status, claim_token, lease_expires_at, claim_count)
  SELECT t.id, $2, t.webhook_id, uuid_v7(), 'contact.created', uuid_v7(), 'https://receiver.example/hooks/' || t.webhook_id,
    '${status}', ${status === 'processing' ? '$4::uuid' : 'NULL'}, ${status === 'processing' ? "now() + interval '3 seconds'" : 'NULL'}, ${status === 'processing' ? 1 : 0}
  FROM unnest($1::uuid[], $3::uuid[]) AS t(id, webhook_id)`;
const insertQueue = (claimed: boolean) => `
  INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at, claim_token, lease_expires_at)
  SELECT t.id, t.webhook_id, $2, now(), ${claimed ? "$4::uuid, now() + interval '3 seconds'" : 'NULL, NULL'}
  FROM unnest($1::uuid[], $3::uuid[]) AS t(id, webhook_id)`;
const claim = `
  WITH q AS (UPDATE webhook_delivery_queue SET claim_token = $2, lease_expires_at = now() + interval '3 seconds'
             WHERE delivery_id = ANY ($1::uuid[]) RETURNING delivery_id)
  UPDATE webhook_deliveries d SET status = 'processing', claim_token = $2, lease_expires_at = now() + interval '3 seconds',
    claim_count = d.claim_count + 1
  FROM q WHERE d.id = q.delivery_id`;
const recordResult = `
  WITH q AS (DELETE FROM webhook_delivery_queue WHERE delivery_id = ANY ($1::uuid[]) AND claim_token = $2 RETURNING delivery_id)
  UPDATE webhook_deliveries d SET status = 'success', status_code = 200, response_body = 'ok', duration_ms = 3,
    request_headers = $3::jsonb, completed_at = now(), claim_token = NULL, lease_expires_at = NULL
  FROM q WHERE d.id = q.delivery_id`;
const insertResult = (fromQueue: boolean) => `
  ${fromQueue ? 'WITH q AS (DELETE FROM webhook_delivery_queue WHERE delivery_id = ANY ($1::uuid[]) AND claim_token = $3 RETURNING delivery_id, webhook_id)' : ''}
  INSERT INTO webhook_deliveries (id, company_id, webhook_id, event_id, event, entity_id, url, status, claim_count,
    status_code, response_body, duration_ms, request_headers, completed_at)
  SELECT t.id, $2, t.webhook_id, uuid_v7(), 'contact.created', uuid_v7(), 'https://receiver.example/hooks/' || t.webhook_id,
    'success', 1, 200, 'ok', 3, $4::jsonb, now()
  FROM ${fromQueue ? 'q AS t(id, webhook_id)' : 'unnest($1::uuid[], $3::uuid[]) AS t(id, webhook_id)'}`;

type Shape = (ids: string[], hooks: string[], token: string) => Promise<void>;
const shapes: Record<string, Shape> = {
  taken: async (ids, hooks, token) => {
    await client.query(`WITH l AS (${insertLog('processing')}) ${insertQueue(true)}`, [ids, company, hooks, token]);
    await client.query(recordResult, [ids, token, headers]);
  },
  claimed: async (ids, hooks, token) => {
    await client.query(`WITH l AS (${insertLog('pending')}) ${insertQueue(false)}`, [ids, company, hooks]);
    await client.query(claim, [ids, token]);
    await client.query(recordResult, [ids, token, headers]);
  },
  'at-result': async (ids, hooks, token) => {
    await client.query(insertQueue(true), [ids, company, hooks, token]);
    await client.query(insertResult(true), [ids, company, token, headers]);
  },
  'log-only': async (ids, hooks) => {
    await client.query(insertResult(false), [ids, company, hooks, headers]);
  },
};

const wal = async () => (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
const walSince = async (lsn: string) => Number((await client.query<{ n: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS n', [lsn])).rows[0]!.n);
const figures: Record<string, { cpu: number[]; wal: number[] }> = Object.fromEntries(Object.keys(shapes).map((name) => [name, { cpu: [], wal: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, shape] of Object.entries(shapes)) {
    const lsn = await wal();
    const cpu = processCpuSeconds(backendPid);
    for (let b = 0; b < BATCHES; b++) {
      const ids = Array.from({ length: BATCH }, () => randomUUID());
      await shape(ids, ids.map((_, i) => webhooks[i % webhooks.length]!), randomUUID());
    }
    const deliveries = BATCH * BATCHES;
    figures[name]!.cpu.push(((processCpuSeconds(backendPid) - cpu) * 1e6) / deliveries);
    figures[name]!.wal.push((await walSince(lsn)) / deliveries);
  }
  // Dead queue rows and HOT chains cleared between rounds, as the worker's queue vacuum does during a run.
  await client.query('VACUUM webhook_delivery_queue, webhook_deliveries');
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`${db.kind} PostgreSQL, ${ROUNDS} rounds of ${BATCH * BATCHES} deliveries per shape; medians (all rounds)`);
for (const [name, { cpu, wal: bytes }] of Object.entries(figures)) {
  console.log(
    `  ${name.padEnd(10)} ${median(cpu).toFixed(1).padStart(6)} µs CPU (${cpu.map((x) => x.toFixed(0)).join(', ')})  ${median(bytes).toFixed(0).padStart(5)} B WAL per delivery`,
  );
}
client.release();
await db.close();
