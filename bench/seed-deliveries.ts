// Seeds a delivery log at scale for the query benchmark (bench/log-scale.ts): `rows` delivery records across
// `companies` companies (3 webhooks each, two deliveries per event, so rows / 2 events), spread evenly over the
// last 90 days, 5% failed, durations 20–419 ms — plus the hourly health rollup of the last 8 days, as the worker
// would have written it. Everything is generated inside PostgreSQL (INSERT … SELECT FROM generate_series, in
// chunks), with the secondary indexes of the two big tables dropped during the load and rebuilt after it
// (building an index once is several times faster than updating it row by row). Ids are md5-derived, so a
// re-run produces the same data.
//
// Standalone: DATABASE_URL=postgres://… npx tsx bench/seed-deliveries.ts [rows] [companies]
// (into an existing, migrated, empty database; the benchmark creates its own).
import type pg from 'pg';
import { EVENT_NAMES } from '../src/events/catalog.js';
import { durationHistogramSql } from '../src/ops/stats.js';

export const HOOKS_PER_COMPANY = 3;
/** The hosts of a company's three webhooks: search by url finds one of them. */
export const HOOK_HOSTS = ['hooks.zapier.com', 'api.example.com', 'crm-sync.acme.io'] as const;
const CHUNK_ROWS = 1_000_000;
const SPAN_SECONDS = 90 * 86_400;

/** A version-4-shaped UUID from an md5 (the API validates ids as RFC 4122 UUIDs). */
const uuidSql = (text: string) => `overlay(overlay(md5(${text}) placing '4' from 13) placing '8' from 17)::uuid`;
export const companyIdSql = (n: string) => uuidSql(`'bench-company-' || (${n})`);
const hookIdSql = (company: string, hook: string) => uuidSql(`'bench-hook-' || (${company}) || '-' || (${hook})`);
const hookUrlSql = (company: string, hook: string) =>
  `'https://' || ($1::text[])[(${hook}) + 1] || '/c' || (${company}) || '/w' || (${hook})`;

export interface SeedResult {
  rows: number;
  events: number;
  companies: number;
  seconds: number;
}

async function secondaryIndexes(pool: pg.Pool, table: string): Promise<Array<{ indexname: string; indexdef: string }>> {
  const { rows } = await pool.query(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
     WHERE i.schemaname = current_schema() AND i.tablename = $1
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    [table],
  );
  return rows;
}

export async function seedDeliveries(pool: pg.Pool, options: { rows: number; companies: number; log?: (line: string) => void }): Promise<SeedResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const companies = options.companies;
  const events = Math.ceil(options.rows / 2);
  const rows = events * 2;
  const names = EVENT_NAMES.filter((name) => name.includes('.') && !name.startsWith('webhook.')).slice(0, 15);
  const client = await pool.connect();
  try {
    await client.query(`SET maintenance_work_mem = '512MB'`);
    await client.query(`SET synchronous_commit = off`);
    await client.query(`INSERT INTO companies (id, name) SELECT ${companyIdSql('c')}, 'Bench ' || c FROM generate_series(0, $1::int - 1) c`, [companies]);
    await client.query(
      `INSERT INTO webhooks (id, company_id, url, events)
       SELECT ${hookIdSql('c', 'h')}, ${companyIdSql('c')}, ${hookUrlSql('c', 'h')}, $2::text[]
       FROM generate_series(0, $3::int - 1) c CROSS JOIN generate_series(0, ${HOOKS_PER_COMPANY - 1}) h`,
      [HOOK_HOSTS, names, companies],
    );
    const dropped = [...(await secondaryIndexes(pool, 'webhook_deliveries')), ...(await secondaryIndexes(pool, 'events'))];
    for (const index of dropped) await client.query(`DROP INDEX ${index.indexname}`);

    // Event k belongs to company k % companies; its two deliveries go to webhooks k % 3 and (k + 1) % 3.
    // Time runs with k: event 0 is 90 days old, the last one is now.
    for (let from = 0; from < events; from += CHUNK_ROWS / 2) {
      const to = Math.min(events, from + CHUNK_ROWS / 2);
      const at = `now() - ((${events}::bigint - k) * ${SPAN_SECONDS}::bigint / ${events}::bigint) * interval '1 second'`;
      await client.query(
        `INSERT INTO events (id, company_id, name, entity_id, body, created_at)
         SELECT ${uuidSql(`'bench-event-' || k`)}, ${companyIdSql(`k % ${companies}`)}, ($1::text[])[1 + k % ${names.length}],
                ${uuidSql(`'bench-record-' || (k % ${companies}) || '-' || (k / ${companies * 5})`)},
                '{"event":"' || ($1::text[])[1 + k % ${names.length}] || '","data":{"entityId":"' || md5('bench-record-' || k) || '","payload":{"contact":{"firstName":"Ada","lastName":"Lovelace"}}},"timestamp":"2026-01-01T00:00:00.000Z"}',
                ${at}
         FROM generate_series($2::bigint, $3::bigint - 1) k`,
        [names, from, to],
      );
      await client.query(
        `INSERT INTO webhook_deliveries (id, company_id, webhook_id, event_id, event, entity_id, url, status, trigger,
                                         request_headers, status_code, response_body, error_kind, error_message, duration_ms, created_at, completed_at)
         SELECT ${uuidSql(`'bench-delivery-' || i`)}, ${companyIdSql(`k % ${companies}`)}, ${hookIdSql(`k % ${companies}`, `(k + i % 2) % ${HOOKS_PER_COMPANY}`)},
                ${uuidSql(`'bench-event-' || k`)}, ($2::text[])[1 + k % ${names.length}],
                ${uuidSql(`'bench-record-' || (k % ${companies}) || '-' || (k / ${companies * 5})`)},
                ${hookUrlSql(`k % ${companies}`, `(k + i % 2) % ${HOOKS_PER_COMPANY}`)},
                CASE WHEN i % 20 = 0 THEN 'failed' ELSE 'success' END, 'event',
                '{"content-type":"application/json","user-agent":"Switchboard-Webhooks/0.1.0"}'::jsonb,
                CASE WHEN i % 20 = 0 THEN 500 ELSE 200 END, CASE WHEN i % 20 = 0 THEN 'internal error' ELSE 'ok' END,
                CASE WHEN i % 20 = 0 THEN 'http_status' END, CASE WHEN i % 20 = 0 THEN 'HTTP 500' END,
                20 + (i * 7919) % 400, t.at, t.at + (20 + (i * 7919) % 400) * interval '1 millisecond'
         FROM generate_series($3::bigint, $4::bigint - 1) i
         CROSS JOIN LATERAL (SELECT i / 2 AS k) kk
         CROSS JOIN LATERAL (SELECT ${at} AS at) t`,
        [HOOK_HOSTS, names, from * 2, to * 2],
      );
      log(`  ${to * 2} of ${rows} delivery rows (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
    for (const index of dropped) {
      await client.query(index.indexdef);
      log(`  rebuilt ${index.indexname} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
    await client.query(
      `INSERT INTO webhook_delivery_stats (webhook_id, hour, success, failed, durations)
       SELECT r.webhook_id, date_trunc('hour', r.completed_at, 'UTC'), count(*) FILTER (WHERE r.status = 'success'),
              count(*) FILTER (WHERE r.status = 'failed'), ${durationHistogramSql('r.duration_ms')}
       FROM webhook_deliveries r WHERE r.completed_at >= now() - interval '8 days'
       GROUP BY 1, 2`,
    );
    await client.query('VACUUM ANALYZE companies, webhooks, events, webhook_deliveries, webhook_delivery_stats');
  } finally {
    client.release();
  }
  return { rows, events, companies, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { createPool } = await import('../src/db/pool.js');
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL: the migrated, empty database to seed');
  const pool = createPool(process.env.DATABASE_URL, 2);
  const result = await seedDeliveries(pool, { rows: Number(process.argv[2] ?? 10_000_000), companies: Number(process.argv[3] ?? 1_000), log: console.log });
  console.log(result);
  await pool.end();
}
