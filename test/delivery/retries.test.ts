// Spec §9 end to end with the real worker and real HTTPS receivers: retry chains (503-503-200, Retry-After,
// final failures), 410 disabling a webhook, disabling with a backlog, the undecryptable secret, and REST and
// MCP agreeing on the new fields.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encryptSecret } from '../../src/webhooks/secret-box.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { listen } from '../helpers/http-server.js';
import type { ReceivedRequest } from '../helpers/https-receiver.js';
import { connectMcp } from '../helpers/mcp.js';
import { ALLOW_RECEIVER, allFinished, createWebhook, deliveriesOf, expandWrites, json, publishContacts, startDeliveryFixture, waitForDeliveries, type DeliveryRow } from './fixtures.js';

const { t, receiver, startWorker } = await startDeliveryFixture({
  env: { WEBHOOK_TIMEOUT_MS: '1500', WEBHOOK_RETRY_SCHEDULE: '1s,2s' },
  resetResponder: () => ({ status: 200, body: 'ok' }),
});
const baseUrl = await listen(t);
// Auto-disable after 3 s of failures, so these tests take seconds (its own database: the window would disable
// the other tests' webhooks).
const short = await createTestApp({ ...ALLOW_RECEIVER, WEBHOOK_TIMEOUT_MS: '1500', WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s,1s,1s,1s,1s,1s', WEBHOOK_DISABLE_AFTER: '3s' });

type Row = DeliveryRow & { attempt: number; retry_of: string | null; next_attempt_at: string | null; completed_at: string | null; claim_count: number };
const rowsOf = async (app: TestApp, companyId: string) => (await deliveriesOf(app, companyId)) as Row[];
const fromPath = (path: string, since: number) => receiver.requests.slice(since).filter((r) => r.path === path);

/** Answers each request to a path from a script: the n-th request gets script[n] (the last entry repeats). */
function scripted(script: Array<{ status: number; headers?: Record<string, string> }>) {
  const seen = new Map<string, number>();
  return (request: ReceivedRequest) => {
    const n = seen.get(request.path) ?? 0;
    seen.set(request.path, n + 1);
    return { ...script[Math.min(n, script.length - 1)]!, body: 'scripted' };
  };
}

async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('automatic retries (retryPolicy exponential)', () => {
  it('503, 503, 200: three records linked by retryOf, attempts 1–3, the last a success; nextAttemptAt while a retry waits', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/chain`, events: ['contact.created'], retryPolicy: 'exponential' });
    expect(hook.retryPolicy).toBe('exponential');
    receiver.setResponder(scripted([{ status: 503 }, { status: 503 }, { status: 200 }]));
    const before = receiver.requests.length;
    startWorker();
    const [event] = await publishContacts(t, tenant, 1);

    // While the first retry waits: the failure shows when it is due, the retry is a pending record.
    const waiting = await waitFor(async () => {
      const rows = await rowsOf(t, tenant.companyId);
      return rows.length === 2 && rows[0]!.status === 'failed' && rows[1]!.status === 'pending' ? rows : null;
    });
    const failedFirst = await json(await t.call('GET', `/webhook-deliveries/${waiting[0]!.id}`, { key: tenant.key }));
    if (failedFirst.nextAttemptAt !== null) {
      // (null only if the retry was claimed between the two reads)
      const wait = Date.parse(failedFirst.nextAttemptAt) - Date.parse(failedFirst.completedAt);
      expect(wait).toBeGreaterThanOrEqual(800);
      expect(wait).toBeLessThanOrEqual(1200);
    }

    const rows = await waitForDeliveries(t, tenant.companyId, (all) => all.some((r) => r.status === 'success'), 20_000) as Row[];
    expect(rows.map((r) => [r.attempt, r.trigger, r.status, r.status_code])).toEqual([
      [1, 'event', 'failed', 503],
      [2, 'retry', 'failed', 503],
      [3, 'retry', 'success', 200],
    ]);
    expect(rows[0]!.retry_of).toBeNull();
    expect(rows[1]!.retry_of).toBe(rows[0]!.id);
    expect(rows[2]!.retry_of).toBe(rows[1]!.id);
    expect(rows.every((r) => r.next_attempt_at === null && r.event_id === event!.id)).toBe(true);

    // The receiver saw three attempts of the same bytes, each with its own delivery id, the waits respected.
    const got = fromPath('/chain', before);
    expect(got.map((r) => r.headers['x-webhook-delivery'])).toEqual(rows.map((r) => r.id));
    expect(new Set(got.map((r) => r.body))).toEqual(new Set([event!.body]));
    expect(got[1]!.receivedAt - got[0]!.receivedAt).toBeGreaterThanOrEqual(800);
    expect(got[2]!.receivedAt - got[1]!.receivedAt).toBeGreaterThanOrEqual(1600);

    // REST: the DTO fields and the chain, from any of its records.
    const last = await json(await t.call('GET', `/webhook-deliveries/${rows[2]!.id}`, { key: tenant.key }));
    expect(last).toMatchObject({ attempt: 3, trigger: 'retry', retryOf: rows[1]!.id, nextAttemptAt: null, status: 'success' });
    expect(last.retryChain.map((a: any) => [a.id, a.attempt, a.status, a.statusCode])).toEqual(rows.map((r) => [r.id, r.attempt, r.status, r.status_code]));
    const first = await json(await t.call('GET', `/webhook-deliveries/${rows[0]!.id}`, { key: tenant.key }));
    expect(first.retryChain).toEqual(last.retryChain);
    const listed = await json(await t.call('GET', `/webhook-deliveries?webhookId=${hook.id}`, { key: tenant.key }));
    expect(listed.items.map((d: any) => [d.attempt, d.retryOf])).toEqual([[3, rows[1]!.id], [2, rows[0]!.id], [1, null]]);
  }, 30_000);

  it('429 with Retry-After: the retry waits as long as the receiver asked, not the 1 s step', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/slow-down`, events: ['contact.created'], retryPolicy: 'exponential' });
    receiver.setResponder(scripted([{ status: 429, headers: { 'retry-after': '3' } }, { status: 200 }]));
    const before = receiver.requests.length;
    startWorker();
    await publishContacts(t, tenant, 1);
    const [failed] = await waitFor(async () => {
      const rows = await rowsOf(t, tenant.companyId);
      return rows.length === 2 && rows[0]!.next_attempt_at ? rows : null;
    });
    expect(Date.parse(failed!.next_attempt_at!) - Date.parse(failed!.completed_at!)).toBeGreaterThanOrEqual(3_000);
    const rows = await waitForDeliveries(t, tenant.companyId, (all) => all.some((r) => r.status === 'success'), 20_000);
    expect(rows.map((r) => r.status)).toEqual(['failed', 'success']);
    const got = fromPath('/slow-down', before);
    expect(got).toHaveLength(2);
    expect(got[1]!.receivedAt - got[0]!.receivedAt).toBeGreaterThanOrEqual(3_000);
  }, 30_000);

  it('a 400 is final, and so is every failure of a webhook without retries: no retry is ever queued', async () => {
    const tenant = await t.signup();
    const exponential = await createWebhook(t, tenant, { url: `${receiver.url}/bad-request`, events: ['contact.created'], retryPolicy: 'exponential' });
    const none = await createWebhook(t, tenant, { url: `${receiver.url}/no-retries`, events: ['contact.created'] });
    expect(none.retryPolicy).toBe('none');
    receiver.setResponder((r) => ({ status: r.path === '/bad-request' ? 400 : 503 }));
    startWorker();
    await publishContacts(t, tenant, 1);
    // A retry is queued in the statement that records the failure: once both are failed, none can appear later.
    const rows = (await waitForDeliveries(t, tenant.companyId, allFinished(2))) as Row[];
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => [r.webhook_id === exponential.id ? 'exponential' : 'none', r.status_code, r.next_attempt_at]).sort()).toEqual([
      ['exponential', 400, null],
      ['none', 503, null],
    ]);
    const queued = await t.ctx.pool.query('SELECT count(*)::int AS n FROM webhook_delivery_queue WHERE company_id = $1', [tenant.companyId]);
    expect(queued.rows[0].n).toBe(0);
  });

  it('the schedule ends: after the last step the chain stops with a final failure', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/always-down`, events: ['contact.created'], retryPolicy: 'exponential' });
    receiver.setResponder(() => ({ status: 500 }));
    startWorker();
    await publishContacts(t, tenant, 1);
    const rows = (await waitForDeliveries(t, tenant.companyId, (all) => all.length === 3 && all.every((r) => r.status === 'failed'), 20_000)) as Row[];
    expect(rows.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(rows[2]!.next_attempt_at).toBeNull();
    const queued = await t.ctx.pool.query('SELECT count(*)::int AS n FROM webhook_delivery_queue WHERE company_id = $1', [tenant.companyId]);
    expect(queued.rows[0].n).toBe(0);
  }, 30_000);

  it('10,000 retries waiting for their time are skipped by the claim: due rows of the same and other webhooks go first', async () => {
    const tenant = await t.signup();
    const parked = await createWebhook(t, tenant, { url: `${receiver.url}/parked`, events: ['contact.created'] });
    await publishContacts(t, tenant, 1);
    await expandWrites(t); // the write's row in the log and the queue, as a worker's expansion leaves it
    // Park 10,000 queue rows an hour in the future behind the one due row, as retries waiting would be.
    await t.ctx.pool.query(
      `WITH src AS (SELECT * FROM webhook_deliveries WHERE webhook_id = $1 LIMIT 1),
       logged AS (
         INSERT INTO webhook_deliveries (id, company_id, webhook_id, event_id, event, entity_id, url, trigger, attempt)
         SELECT gen_random_uuid(), company_id, webhook_id, event_id, event, entity_id, url, 'retry', 2 FROM src, generate_series(1, 10000)
         RETURNING id, webhook_id, company_id
       )
       INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at, run_at)
       SELECT id, webhook_id, company_id, now() - interval '1 day', now() + interval '1 hour' FROM logged`,
      [parked.id],
    );
    const before = receiver.requests.length;
    startWorker();
    const rows = await waitForDeliveries(t, tenant.companyId, (all) => all.filter((r) => r.status === 'success').length === 1);
    expect(rows.filter((r) => r.status === 'pending')).toHaveLength(10_000);
    expect(fromPath('/parked', before)).toHaveLength(1);
    // The plan reads the due row and stops: a handful of buffers, not the 10,000 waiting entries.
    const plan = await t.ctx.pool.query(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
       SELECT q.delivery_id FROM webhook_delivery_queue q
       WHERE q.claim_token IS NULL AND q.webhook_id = $1 AND q.run_at <= now() ORDER BY q.run_at LIMIT 32`,
      [parked.id],
    );
    const top = plan.rows[0]['QUERY PLAN'][0];
    expect(JSON.stringify(top.Plan)).toContain('webhook_delivery_queue_pending_idx');
    expect(top.Plan['Shared Hit Blocks'] + (top.Plan['Shared Read Blocks'] ?? 0)).toBeLessThan(20);
  }, 30_000);
});

describe('a webhook that fails everything', () => {
  it('holds at most failingWebhookCap requests in flight once it has failed for over a second; a success lifts the cap', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/down-hard`, events: ['contact.created'] });
    let inFlight = 0;
    let peak = 0;
    let healthy = false;
    receiver.setResponder(async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 100));
      inFlight--;
      return { status: healthy ? 200 : 503 };
    });
    startWorker({ failingWebhookCap: 2 });
    await publishContacts(t, tenant, 1);
    await waitForDeliveries(t, tenant.companyId, allFinished(1));
    await new Promise((r) => setTimeout(r, 1_100)); // failing for over a second now
    await publishContacts(t, tenant, 40);
    await waitForDeliveries(t, tenant.companyId, allFinished(41), 20_000);
    expect(peak).toBeLessThanOrEqual(2);
    // Once a delivery succeeds the webhook is healthy again and gets its full slots.
    healthy = true;
    peak = 0;
    await publishContacts(t, tenant, 1);
    await waitForDeliveries(t, tenant.companyId, (all) => all.some((r) => r.status === 'success'));
    await publishContacts(t, tenant, 40);
    await waitForDeliveries(t, tenant.companyId, (all) => all.filter((r) => r.status === 'success').length === 41, 20_000);
    expect(peak).toBeGreaterThan(2);
  }, 60_000);
});

describe('410 Gone and disabling', () => {
  it('a 410 disables the webhook at once with reason "gone": nothing is retried, nothing new is queued; re-enabling clears the reason', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/gone`, events: ['contact.created'], retryPolicy: 'exponential' });
    receiver.setResponder(() => ({ status: 410 }));
    startWorker();
    await publishContacts(t, tenant, 1);
    const disabled = await waitFor(async () => {
      const got = await json(await t.call('GET', `/webhooks/${hook.id}`, { key: tenant.key }));
      return got.enabled === false ? got : null;
    });
    expect(disabled).toMatchObject({ enabled: false, disabledReason: 'gone' });
    expect(Date.parse(disabled.disabledAt)).toBeGreaterThan(Date.now() - 60_000);
    const rows = (await rowsOf(t, tenant.companyId)) as Row[];
    expect(rows.map((r) => [r.status, r.status_code, r.next_attempt_at])).toEqual([['failed', 410, null]]);
    await publishContacts(t, tenant, 2);
    expect(await rowsOf(t, tenant.companyId)).toHaveLength(1);

    const listed = await json(await t.call('GET', '/webhooks', { key: tenant.key }));
    expect(listed.items.find((w: any) => w.id === hook.id)).toMatchObject({ disabledReason: 'gone' });
    const enabled = await json(await t.call('PATCH', `/webhooks/${hook.id}`, { key: tenant.key, body: { enabled: true } }));
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    const manual = await json(await t.call('PATCH', `/webhooks/${hook.id}`, { key: tenant.key, body: { enabled: false } }));
    expect(manual).toMatchObject({ enabled: false, disabledReason: 'manual' });
    const created = await createWebhook(t, tenant, { url: `${receiver.url}/off`, events: ['contact.created'], enabled: false });
    expect(created).toMatchObject({ enabled: false, disabledReason: 'manual', retryPolicy: 'none' });
  });

  it('disabling a webhook with a backlog of 1,000 stops it: every queued delivery ends webhook_disabled and none of them is sent', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/backlog`, events: ['contact.created'] });
    receiver.setResponder(() => ({ status: 200, delayMs: 100 }));
    const before = receiver.requests.length;
    const worker = startWorker({ perWebhookCap: 4 });
    await publishContacts(t, tenant, 1_000);
    await receiver.waitFor(before + 8, 15_000);
    const response = await t.call('PATCH', `/webhooks/${hook.id}`, { key: tenant.key, body: { enabled: false } });
    expect(response.status).toBe(200);
    const rows = (await waitForDeliveries(t, tenant.companyId, allFinished(1_000), 15_000)) as Row[];
    const disabled = rows.filter((r) => r.error_kind === 'webhook_disabled');
    const sent = rows.filter((r) => r.status === 'success');
    expect(disabled.length + sent.length).toBe(1_000);
    expect(disabled.length).toBeGreaterThan(900);
    expect(disabled[0]!.error_message).toMatch(/disabled before this delivery was sent; nothing was sent/);
    // In-flight requests finished; none of the disabled ones ever reached the receiver.
    await worker.stop();
    const received = new Set(fromPath('/backlog', before).map((r) => r.headers['x-webhook-delivery']));
    expect(received.size).toBe(sent.length);
    for (const row of disabled) expect(received.has(row.id)).toBe(false);
  }, 30_000);

  /** The tenant's queued delivery ids, after a write of `count` contacts to one webhook at `path`, expanded as a worker's expansion leaves them. */
  async function queuedBehind(tenant: Awaited<ReturnType<typeof t.signup>>, path: string, count: number) {
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}${path}`, events: ['contact.created'] });
    await publishContacts(t, tenant, count);
    await expandWrites(t);
    const { rows } = await t.ctx.pool.query<{ delivery_id: string }>('SELECT delivery_id FROM webhook_delivery_queue WHERE company_id = $1 ORDER BY delivery_id', [tenant.companyId]);
    expect(rows.length).toBe(count);
    return { hook, queued: rows.map((r) => r.delivery_id) };
  }

  /**
   * Runs `request` while another connection holds one queue row's lock in a transaction not yet committed, as a
   * claim or a result batch does; fails if the request waited (3 s) instead of answering.
   */
  async function whileRowHeld(deliveryId: string, request: () => Promise<Response>, then: () => Promise<void> = async () => {}): Promise<Response> {
    const holder = await t.ctx.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM webhook_delivery_queue WHERE delivery_id = $1 FOR UPDATE', [deliveryId]);
      const answered = await Promise.race([request(), new Promise<'waited'>((r) => setTimeout(() => r('waited'), 3_000))]);
      expect(answered).not.toBe('waited');
      await then();
      return answered as Response;
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  }

  it('disabling never waits on a queued row another statement holds; the claim fails that row, unsent', async () => {
    const tenant = await t.signup();
    const { hook, queued } = await queuedBehind(tenant, '/held', 3);
    const before = receiver.requests.length;
    const response = await whileRowHeld(
      queued[0]!,
      () => t.call('PATCH', `/webhooks/${hook.id}`, { key: tenant.key, body: { enabled: false } }),
      async () => {
        const rows = await deliveriesOf(t, tenant.companyId);
        expect(rows.filter((r) => r.error_kind === 'webhook_disabled').map((r) => r.id).sort()).toEqual(queued.slice(1).sort());
        expect(rows.find((r) => r.id === queued[0])!.status).toBe('pending'); // skipped, still queued
      },
    );
    expect(response.status).toBe(200);
    // Once the lock is gone, a worker's claim records the skipped row failed the same way, without sending it.
    startWorker();
    const rows = (await waitForDeliveries(t, tenant.companyId, allFinished(3))) as Row[];
    expect(rows.map((r) => r.error_kind)).toEqual(['webhook_disabled', 'webhook_disabled', 'webhook_disabled']);
    expect(rows.find((r) => r.id === queued[0])!.error_message).toMatch(/disabled before this delivery was sent; nothing was sent/);
    expect(fromPath('/held', before)).toEqual([]);
  });

  it('deleting a webhook never waits on a queued row another statement holds; the claim fails that row, unsent', async () => {
    const tenant = await t.signup();
    const { hook, queued } = await queuedBehind(tenant, '/held-deleted', 2);
    const before = receiver.requests.length;
    const response = await whileRowHeld(queued[0]!, () => t.call('DELETE', `/webhooks/${hook.id}`, { key: tenant.key }));
    expect(response.status).toBe(204);
    startWorker();
    const rows = (await waitForDeliveries(t, tenant.companyId, allFinished(2))) as Row[];
    expect(rows.map((r) => r.error_kind)).toEqual(['webhook_deleted', 'webhook_deleted']);
    expect(fromPath('/held-deleted', before)).toEqual([]);
  });

  it('disabling clears nextAttemptAt: the waiting retry ends webhook_disabled instead of being sent', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/flaky`, events: ['contact.created'], retryPolicy: 'exponential' });
    receiver.setResponder(() => ({ status: 503 }));
    startWorker();
    await publishContacts(t, tenant, 1);
    await waitFor(async () => ((await rowsOf(t, tenant.companyId)).length === 2 ? true : null));
    await t.call('PATCH', `/webhooks/${hook.id}`, { key: tenant.key, body: { enabled: false } });
    const rows = await rowsOf(t, tenant.companyId);
    // (the retry may have been claimed and sent just before the disable; then it failed on its own and has no retry)
    expect(rows.every((r) => r.next_attempt_at === null && r.status === 'failed')).toBe(true);
  }, 30_000);
});

describe('a secret that cannot be decrypted', () => {
  it('fails the delivery at once with kind secret_unavailable and what to do; nothing is sent, it is never claimed again', async () => {
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/signed`, events: ['contact.created'], secret: 'a-secret-of-enough-length', retryPolicy: 'exponential' });
    // As after a SECRET_KEY change: the stored ciphertext was made under another key.
    await t.ctx.pool.query('UPDATE webhooks SET secret_ciphertext = $2 WHERE id = $1', [hook.id, encryptSecret(crypto.randomBytes(32), hook.id, 'a-secret-of-enough-length')]);
    const before = receiver.requests.length;
    startWorker();
    await publishContacts(t, tenant, 1);
    const [row] = (await waitForDeliveries(t, tenant.companyId, allFinished(1))) as Row[];
    expect(row).toMatchObject({ status: 'failed', error_kind: 'secret_unavailable', claim_count: 1, next_attempt_at: null });
    expect(row!.error_message).toMatch(/SECRET_KEY/);
    expect(row!.error_message).toMatch(/set a new secret/);
    expect(fromPath('/signed', before)).toHaveLength(0);
    const detail = await json(await t.call('GET', `/webhook-deliveries/${row!.id}`, { key: tenant.key }));
    expect(detail.error.kind).toBe('secret_unavailable');
  });
});

describe('REST and MCP agree', () => {
  it('retryPolicy on create and update, disabledReason, and the delivery fields attempt, retryOf, nextAttemptAt, retryChain', async () => {
    const tenant = await t.signup();
    const mcp = await connectMcp(baseUrl, tenant.key);
    const created = await mcp.call('create_webhook', { url: `${receiver.url}/mcp`, events: ['contact.created'], retryPolicy: 'exponential' });
    expect(created.isError).toBeFalsy();
    const id = created.structuredContent.id;
    expect(created.structuredContent).toMatchObject({ retryPolicy: 'exponential', disabledReason: null, disabledAt: null });
    const bad = await mcp.call('update_webhook', { id, retryPolicy: 'linear' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/retryPolicy/);
    expect(bad.text).toMatch(/none, exponential/);
    const rest400 = await t.call('PATCH', `/webhooks/${id}`, { key: tenant.key, body: { retryPolicy: 'linear' } });
    expect(rest400.status).toBe(400);
    expect((await json(rest400)).error).toMatchObject({ field: 'retryPolicy', message: expect.stringMatching(/none, exponential/) });

    receiver.setResponder(scripted([{ status: 500 }, { status: 200 }]));
    startWorker();
    await publishContacts(t, tenant, 1);
    const rows = await waitForDeliveries(t, tenant.companyId, (all) => all.some((r) => r.status === 'success'), 20_000);
    for (const row of rows) {
      const viaMcp = await mcp.call('get_webhook_delivery', { id: row.id });
      const viaRest = await json(await t.call('GET', `/webhook-deliveries/${row.id}`, { key: tenant.key }));
      expect(viaMcp.structuredContent).toEqual(viaRest);
    }
    const listedMcp = await mcp.call('list_webhook_deliveries', { webhookId: id });
    const listedRest = await json(await t.call('GET', `/webhook-deliveries?webhookId=${id}`, { key: tenant.key }));
    expect(listedMcp.structuredContent.items).toEqual(listedRest.items);
    expect(listedRest.items.map((d: any) => d.attempt)).toEqual([2, 1]);

    const off = await mcp.call('update_webhook', { id, enabled: false, retryPolicy: 'none' });
    expect(off.structuredContent).toMatchObject({ enabled: false, disabledReason: 'manual', retryPolicy: 'none' });
    expect(await json(await t.call('GET', `/webhooks/${id}`, { key: tenant.key }))).toEqual((await mcp.call('get_webhook', { id })).structuredContent);
  }, 30_000);
});

describe('auto-disable', () => {
  it('a webhook whose deliveries all fail for WEBHOOK_DISABLE_AFTER is disabled with "failing"; its waiting retry ends webhook_disabled', async () => {
    const tenant = await short.signup();
    const hook = await createWebhook(short, tenant, { url: `${receiver.url}/failing`, events: ['contact.created'], retryPolicy: 'exponential' });
    const healthy = await createWebhook(short, tenant, { url: `${receiver.url}/healthy`, events: ['contact.created'], retryPolicy: 'exponential' });
    receiver.setResponder((r) => ({ status: r.path === '/failing' ? 503 : 200 }));
    startWorker({}, short);
    await publishContacts(short, tenant, 1);
    const disabled = await waitFor(async () => {
      const got = await json(await short.call('GET', `/webhooks/${hook.id}`, { key: tenant.key }));
      return got.enabled === false ? got : null;
    }, 20_000);
    expect(disabled.disabledReason).toBe('failing');
    const rows = (await waitForDeliveries(short, tenant.companyId, allFinished(0))) as Row[];
    const chain = rows.filter((r) => r.webhook_id === hook.id);
    expect(chain.length).toBeGreaterThanOrEqual(4); // failures over ≥ 3 s of a 1 s schedule
    expect(chain.slice(0, -1).every((r) => r.error_kind === 'http_status')).toBe(true);
    // The waiting retry ends webhook_disabled (or, had the once-a-minute sweep struck while the retry was in
    // flight, that retry failed on its own and none followed).
    expect(['webhook_disabled', 'http_status']).toContain(chain.at(-1)!.error_kind);
    expect(rows.every((r) => r.next_attempt_at === null)).toBe(true);
    expect(await json(await short.call('GET', `/webhooks/${healthy.id}`, { key: tenant.key }))).toMatchObject({ enabled: true, disabledReason: null });
  }, 30_000);

  it('a success ends the failing streak; the periodic check disables a webhook that failed once and got nothing since', async () => {
    const tenant = await short.signup();
    const recovering = await createWebhook(short, tenant, { url: `${receiver.url}/recovering`, events: ['contact.created'], retryPolicy: 'exponential' });
    const quiet = await createWebhook(short, tenant, { url: `${receiver.url}/quiet`, events: ['contact.created'] });
    // recovering: its first attempt fails, the retry 1 s later succeeds; quiet: fails once, no retries, no more events.
    const script = scripted([{ status: 503 }, { status: 200 }]);
    receiver.setResponder((r) => (r.path === '/quiet' ? { status: 503 } : script(r)));
    startWorker({}, short);
    await publishContacts(short, tenant, 1);
    const off = await waitFor(async () => {
      const got = await json(await short.call('GET', `/webhooks/${quiet.id}`, { key: tenant.key }));
      return got.enabled === false ? got : null;
    }, 20_000);
    expect(off.disabledReason).toBe('failing');
    const rows = await waitForDeliveries(short, tenant.companyId, (all) => all.some((r) => r.webhook_id === recovering.id && r.status === 'success'), 20_000);
    expect(rows.filter((r) => r.webhook_id === quiet.id)).toHaveLength(1);
    expect(await json(await short.call('GET', `/webhooks/${recovering.id}`, { key: tenant.key }))).toMatchObject({ enabled: true });
    const { rows: [state] } = await short.ctx.pool.query('SELECT failing_since FROM webhooks WHERE id = $1', [recovering.id]);
    expect(state.failing_since).toBeNull();
  }, 30_000);
});
