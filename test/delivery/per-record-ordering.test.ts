// Per-record ordering (spec §13) with the real worker and a real HTTPS receiver: 8 concurrent writers to 10
// records, and the receiver sees each record's events one at a time in record-version order; a record whose
// delivery fails (retries on) holds back only its own later events, and its final failure releases them.
import { describe, expect, it } from 'vitest';
import type { Tenant } from '../helpers/app.js';
import type { ReceivedRequest } from '../helpers/https-receiver.js';
import { createWebhook, startDeliveryFixture } from './fixtures.js';

const { t, receiver, startWorker } = await startDeliveryFixture({ env: { WEBHOOK_TIMEOUT_MS: '3000', WEBHOOK_RETRY_SCHEDULE: '1s,1s' } });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function contacts(tenant: Tenant, count: number): Promise<string[]> {
  const response = await t.call('POST', '/contacts/many', { key: tenant.key, body: { items: Array.from({ length: count }, (_, i) => ({ firstName: `P${i}`, lastName: 'Order' })) } });
  expect(response.status).toBe(201);
  const created = await response.json();
  return (created.items ?? created).map((c: { id: string }) => c.id);
}

async function rename(tenant: Tenant, id: string, firstName: string): Promise<void> {
  const response = await t.call('PATCH', `/contacts/${id}`, { key: tenant.key, body: { firstName } });
  expect(response.status).toBe(200);
}

interface Seen {
  entityId: string;
  version: number;
  status: number;
}

/** Watches one path: what arrived per record, and whether two deliveries of one record were ever in flight at once. */
function watch(path: string, answer: (request: ReceivedRequest, entityId: string, version: number) => number = () => 200) {
  const seen: Seen[] = [];
  const inFlight = new Map<string, number>();
  let overlaps = 0;
  const previous = receiver.requests.length;
  receiver.setResponder(async (request) => {
    if (request.path !== path) return { status: 200 };
    const entityId = JSON.parse(request.body).data.entityId as string;
    const version = Number(request.headers['x-webhook-record-version']);
    if ((inFlight.get(entityId) ?? 0) > 0) overlaps++;
    inFlight.set(entityId, (inFlight.get(entityId) ?? 0) + 1);
    // Random answer times: without ordering, later events of a record would overtake earlier ones.
    await sleep(Math.floor(Math.random() * 15));
    inFlight.set(entityId, inFlight.get(entityId)! - 1);
    const status = answer(request, entityId, version);
    seen.push({ entityId, version, status });
    return { status };
  });
  return { seen, overlaps: () => overlaps, previous };
}

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('per-record ordering', () => {
  it('8 concurrent writers to 10 records: each record arrives one delivery at a time, versions 2, 3, 4, … in order', async () => {
    const tenant = await t.signup();
    const ids = await contacts(tenant, 10);
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/ordered`, events: ['contact.updated'], ordering: 'per-record' });
    expect(hook.ordering).toBe('per-record');
    const watched = watch('/ordered');
    const writes = 8 * 15;
    await Promise.all(
      Array.from({ length: 8 }, async (_, writer) => {
        for (let n = 0; n < 15; n++) await rename(tenant, ids[(writer * 7 + n * 3) % 10]!, `w${writer}-${n}`);
      }),
    );
    // Every write is queued before the worker starts: up to 32 slots for this webhook, 12 events per record waiting.
    startWorker();
    await until(() => watched.seen.length >= writes, `${writes} deliveries`);
    expect(watched.seen).toHaveLength(writes);
    expect(watched.overlaps()).toBe(0);
    for (const id of ids) {
      const versions = watched.seen.filter((s) => s.entityId === id).map((s) => s.version);
      // Created was version 1; every update adds one, with no gap and nothing out of order.
      expect(versions).toEqual(versions.map((_, i) => i + 2));
    }
  });

  it('a failing delivery (retries on) holds back only its own record; success or a final failure releases the next', async () => {
    const tenant = await t.signup();
    startWorker();
    const [waits, flows, gives] = await contacts(tenant, 3);
    const hook = await createWebhook(t, tenant, { url: `${receiver.url}/held`, events: ['contact.updated'], ordering: 'per-record', retryPolicy: 'exponential' });
    expect(hook.retryPolicy).toBe('exponential');
    let waitsFailures = 0;
    const watched = watch('/held', (_, entityId, version) => {
      // `waits`: its first update fails once (retried after ~1 s). `gives`: its first update always fails (3 attempts, then failed for good).
      if (entityId === waits && version === 2 && waitsFailures++ === 0) return 503;
      if (entityId === gives && version === 2) return 503;
      return 200;
    });
    for (let n = 0; n < 3; n++) {
      await rename(tenant, waits!, `wait-${n}`);
      await rename(tenant, flows!, `flow-${n}`);
      await rename(tenant, gives!, `give-${n}`);
    }
    await until(() => watched.seen.length >= 3 + 4 + 5, 'every attempt');
    const of = (id: string) => watched.seen.filter((s) => s.entityId === id).map((s) => `${s.version}:${s.status}`);
    expect(of(flows!)).toEqual(['2:200', '3:200', '4:200']);
    expect(of(waits!)).toEqual(['2:503', '2:200', '3:200', '4:200']);
    expect(of(gives!)).toEqual(['2:503', '2:503', '2:503', '3:200', '4:200']);
    // The healthy record did not wait for the retry: all of it arrived before the failing record's second attempt.
    const order = watched.seen.map((s) => `${s.entityId}:${s.version}:${s.status}`);
    expect(order.indexOf(`${flows}:4:200`)).toBeLessThan(order.indexOf(`${waits}:2:200`));
    expect(watched.overlaps()).toBe(0);
    // The log agrees once the last results are recorded (the receiver saw them a moment earlier).
    const byStatus = async () =>
      (await t.ctx.pool.query(`SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 GROUP BY status ORDER BY status`, [hook.id])).rows;
    let rows = await byStatus();
    for (let i = 0; i < 100 && rows.some((r) => r.status === 'pending' || r.status === 'processing'); i++) {
      await sleep(50);
      rows = await byStatus();
    }
    expect(rows).toEqual([
      { status: 'failed', n: 4 },
      { status: 'success', n: 8 },
    ]);
  });

  it('ordering is on every surface of the webhook: default none, refused values named', async () => {
    const tenant = await t.signup();
    const plain = await createWebhook(t, tenant, { url: `${receiver.url}/plain`, events: ['contact.updated'] });
    expect(plain.ordering).toBe('none');
    const patched = await t.call('PATCH', `/webhooks/${plain.id}`, { key: tenant.key, body: { ordering: 'per-record' } });
    expect((await patched.json()).ordering).toBe('per-record');
    const bad = await t.call('PATCH', `/webhooks/${plain.id}`, { key: tenant.key, body: { ordering: 'fifo' } });
    expect(bad.status).toBe(400);
    const error = (await bad.json()).error;
    expect(error.field).toBe('ordering');
    expect(error.message).toContain('per-record');
  });
});
