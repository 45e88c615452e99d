// GET /metrics: Prometheus text a scraper accepts, the METRICS_TOKEN guard, counters that move with real
// deliveries to an HTTPS receiver (in-process and in a worker-only process on METRICS_PORT), queue gauges
// read from the database, and no label that names a company, webhook or URL.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { createDb, createPool } from '../../src/db/pool.js';
import { createApp } from '../../src/http/app.js';
import { envelopeTimestamp } from '../../src/ops/metrics.js';
import { TEST_SECRET_KEY } from '../helpers/app.js';
import { testPki } from '../helpers/https-receiver.js';
import { runScript } from '../helpers/server-process.js';
import { allFinished, createWebhook, publishContacts, startDeliveryFixture, waitForDeliveries } from '../delivery/fixtures.js';

const TOKEN = 'scrape-token-0123456789';
// A retry waits 10 minutes here: it stays "scheduled" for the whole test, however slow the machine.
const { t, receiver, startWorker } = await startDeliveryFixture({
  env: { WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_RETRY_SCHEDULE: '10m', METRICS_TOKEN: TOKEN },
  resetResponder: () => ({ status: 200, body: 'ok' }),
});

async function scrape(app = t.app, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<Response> {
  return app.request('http://localhost/metrics', { headers });
}

/** `name{labels} value` lines as a map from `name{labels}` to the value. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    map.set(match[1]!, Number(match[2]));
  }
  return map;
}

async function read(app = t.app): Promise<Map<string, number>> {
  const response = await scrape(app);
  expect(response.status).toBe(200);
  return samples(await response.text());
}

const value = (m: Map<string, number>, key: string) => m.get(key) ?? 0;
const SUCCESS = 'switchboard_deliveries_total{outcome="success",error_kind="none"}';
const FAILED_HTTP = 'switchboard_deliveries_total{outcome="failed",error_kind="http_status"}';

describe('GET /metrics', () => {
  it('is Prometheus text with HELP and TYPE for every metric of spec §12', async () => {
    const response = await scrape();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    samples(text); // every sample line parses
    for (const [name, type] of [
      ['switchboard_deliveries_total', 'counter'],
      ['switchboard_delivery_request_duration_seconds', 'histogram'],
      ['switchboard_delivery_commit_to_result_seconds', 'histogram'],
      ['switchboard_delivery_retries_scheduled_total', 'counter'],
      ['switchboard_delivery_queue_depth', 'gauge'],
      ['switchboard_delivery_oldest_pending_age_seconds', 'gauge'],
      ['switchboard_db_pool_connections', 'gauge'],
      ['nodejs_eventloop_lag_seconds', 'gauge'],
    ]) {
      expect(text).toContain(`# HELP ${name} `);
      expect(text).toContain(`# TYPE ${name} ${type}`);
    }
    const m = samples(text);
    expect(m.get('switchboard_db_pool_connections{pool="main",state="total"}')).toBeGreaterThanOrEqual(1);
    expect(m.has('switchboard_db_pool_connections{pool="main",state="waiting"}')).toBe(true);
    // No delivery worker runs in this process yet, so there is no worker pool to report.
    expect(m.has('switchboard_db_pool_connections{pool="worker",state="total"}')).toBe(false);
  });

  it('with METRICS_TOKEN set, needs the bearer token (401 otherwise); without it, is open', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: TOKEN }, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Basic ${TOKEN}` }]) {
      const response = await scrape(t.app, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await response.json()).error).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('METRICS_TOKEN') });
    }
    expect((await scrape(t.app, { authorization: `bearer  ${TOKEN}` })).status).toBe(200);
    // An API key is not a metrics token.
    const tenant = await t.signup();
    expect((await scrape(t.app, { 'x-api-key': tenant.key })).status).toBe(401);
    const open = createApp({ ...t.ctx, config: { ...t.ctx.config, metricsToken: null } });
    expect((await scrape(open, {})).status).toBe(200);
  });

  it('counts deliveries by outcome and error kind, with durations and commit-to-result latency, and names no tenant', async () => {
    const tenant = await t.signup();
    const ok = await createWebhook(t, tenant, { url: `${receiver.url}/ok`, events: ['contact.created'], secret: 'whsec-metrics-0123456789' });
    const before = await read();
    receiver.setResponder(() => ({ status: 200, body: 'ok' }));
    startWorker();
    await publishContacts(t, tenant, 3);
    await waitForDeliveries(t, tenant.companyId, allFinished(3));
    const afterSuccess = await read();
    expect(value(afterSuccess, SUCCESS) - value(before, SUCCESS)).toBe(3);
    expect(value(afterSuccess, 'switchboard_delivery_request_duration_seconds_count{outcome="success"}') - value(before, 'switchboard_delivery_request_duration_seconds_count{outcome="success"}')).toBe(3);
    expect(value(afterSuccess, 'switchboard_delivery_commit_to_result_seconds_count{outcome="success"}') - value(before, 'switchboard_delivery_commit_to_result_seconds_count{outcome="success"}')).toBe(3);
    expect(value(afterSuccess, 'switchboard_delivery_commit_to_result_seconds_sum{outcome="success"}')).toBeGreaterThan(value(before, 'switchboard_delivery_commit_to_result_seconds_sum{outcome="success"}'));
    // The worker's statements ran on its own pool (src/db/pool.ts createWorkerPool), reported beside the main one.
    expect(value(afterSuccess, 'switchboard_db_pool_connections{pool="worker",state="total"}')).toBeGreaterThanOrEqual(1);
    expect(afterSuccess.has('switchboard_db_pool_connections{pool="worker",state="waiting"}')).toBe(true);

    receiver.setResponder(() => ({ status: 503, body: 'down' }));
    await publishContacts(t, tenant, 2);
    await waitForDeliveries(t, tenant.companyId, allFinished(5));
    const text = await (await scrape()).text();
    const afterFailure = samples(text);
    expect(value(afterFailure, FAILED_HTTP) - value(before, FAILED_HTTP)).toBe(2);
    expect(value(afterFailure, SUCCESS) - value(before, SUCCESS)).toBe(3);
    for (const secret of [tenant.companyId, tenant.userId, ok.id, receiver.url]) expect(text).not.toContain(secret);
  });

  it('reports the queue: pending deliveries and the age of the oldest', async () => {
    // A pool of its own: queue figures are cached per pool for a second, and earlier scrapes used t.ctx.pool.
    const pool = createPool(t.database.url, 2);
    try {
      const ctx: AppContext = { ...t.ctx, pool, db: createDb(pool) };
      const tenant = await t.signup();
      await createWebhook(t, tenant, { url: `${receiver.url}/queued`, events: ['contact.created'] });
      await publishContacts(t, tenant, 4); // no worker runs: they stay pending
      // Pending: queue rows not claimed, and the deliveries of writes not yet expanded into the queue (fanout.ts).
      const { rows } = await pool.query<{ n: number }>(
        `SELECT ((SELECT count(*) FROM webhook_delivery_queue WHERE claim_token IS NULL) +
                 (SELECT coalesce(sum(cardinality(webhook_ids)), 0) FROM webhook_delivery_fanout))::int AS n`,
      );
      const m = await read(createApp(ctx));
      expect(m.get('switchboard_delivery_queue_depth{state="pending"}')).toBe(rows[0]!.n);
      expect(rows[0]!.n).toBeGreaterThanOrEqual(4);
      expect(m.get('switchboard_delivery_queue_depth{state="processing"}')).toBe(0);
      expect(m.get('switchboard_delivery_oldest_pending_age_seconds')).toBeGreaterThan(0);
      await pool.query('DELETE FROM webhook_delivery_fanout WHERE company_id = $1', [tenant.companyId]);
      await pool.query('DELETE FROM webhook_delivery_queue WHERE company_id = $1', [tenant.companyId]);
    } finally {
      await pool.end();
    }
  });

  it('counts a scheduled retry, and shows it queued as scheduled rather than pending', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/flaky`, events: ['contact.created'], retryPolicy: 'exponential' });
    receiver.setResponder(() => ({ status: 503, body: 'try later' }));
    const before = await read();
    const worker = startWorker();
    await publishContacts(t, tenant, 1);
    // The first attempt fails and its retry waits ~10 minutes.
    await waitForDeliveries(t, tenant.companyId, (rows) => rows.some((r) => r.status === 'failed') && rows.length === 2);
    await worker.stop();
    const pool = createPool(t.database.url, 1); // a pool of its own: no cached queue figures
    try {
      const m = await read(createApp({ ...t.ctx, pool, db: createDb(pool) }));
      expect(value(m, 'switchboard_delivery_retries_scheduled_total') - value(before, 'switchboard_delivery_retries_scheduled_total')).toBe(1);
      expect(m.get('switchboard_delivery_queue_depth{state="scheduled"}')).toBeGreaterThanOrEqual(1);
      expect(m.get('switchboard_delivery_oldest_pending_age_seconds')).toBe(0); // a waiting retry is not a backlog
    } finally {
      await pool.query('DELETE FROM webhook_delivery_queue WHERE company_id = $1', [tenant.companyId]);
      await pool.end();
    }
  });

  it('a worker-only process serves its own counters on METRICS_PORT', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/from-worker`, events: ['contact.created'] });
    const child = runScript('src/main.ts', ['--role', 'worker'], {
      DATABASE_URL: t.database.url,
      SECRET_KEY: TEST_SECRET_KEY,
      WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32',
      NODE_EXTRA_CA_CERTS: testPki().caCertPath,
      METRICS_PORT: '0',
      METRICS_TOKEN: TOKEN,
      LOG_LEVEL: 'info',
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no metrics listener within 60 s:\n${output}`)), 60_000);
        const check = () => {
          const match = /"url":"(http:\/\/[^"]+\/metrics)"/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        };
        child.stdout!.on('data', check);
        void exited.then((code) => reject(new Error(`worker exited (${code}):\n${output}`)));
      });
      expect((await fetch(url)).status).toBe(401);
      await publishContacts(t, tenant, 2);
      await waitForDeliveries(t, tenant.companyId, allFinished(2), 30_000);
      const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(200);
      const m = samples(await response.text());
      expect(value(m, SUCCESS)).toBe(2); // a fresh process: exactly its own deliveries
      expect((await fetch(url.replace(/\/metrics$/, '/api/v1/health'))).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('configuration', () => {
  it('reads METRICS_TOKEN and METRICS_PORT, and names METRICS_PORT when it is not a port', () => {
    const base = { DATABASE_URL: 'postgres://x@127.0.0.1/db', SECRET_KEY: TEST_SECRET_KEY };
    expect(loadConfig(base, [])).toMatchObject({ metricsToken: null, metricsPort: null });
    expect(loadConfig({ ...base, METRICS_TOKEN: ' abc ', METRICS_PORT: '9464' }, [])).toMatchObject({ metricsToken: 'abc', metricsPort: 9464 });
    expect(() => loadConfig({ ...base, METRICS_PORT: 'http' }, [])).toThrow(/^METRICS_PORT: must be a whole number between 0 and 65535/);
    expect(() => loadConfig({ ...base, METRICS_PORT: '70000' }, [])).toThrow(/^METRICS_PORT: must be between 0 and 65535/);
  });
});

describe('envelopeTimestamp', () => {
  it('reads the trailing timestamp of a stored envelope', () => {
    const body = JSON.stringify({ event: 'contact.created', data: { payload: { note: '"timestamp":"no"' } }, timestamp: '2026-01-02T03:04:05.678Z' });
    expect(envelopeTimestamp(body)).toBe('2026-01-02T03:04:05.678Z');
    expect(envelopeTimestamp('{"event":"x"}')).toBeNull();
  });
});
