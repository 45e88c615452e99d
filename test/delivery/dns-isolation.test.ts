// Spec §11: a webhook whose DNS never answers costs its own deliveries a timeout and nothing else. A real DNS
// server on loopback (WEBHOOK_DNS_SERVERS) answers three healthy names with 127.0.0.1 and never answers a fourth;
// a worker with many deliveries queued for the dead name keeps delivering to three real HTTPS receivers, and a
// login over HTTP (scrypt, on libuv's thread pool like dns.lookup) stays fast while the dead lookups wait.
import { afterAll, describe, expect, it } from 'vitest';
import { WORKER_DEFAULTS, type Worker } from '../../src/delivery/worker.js';
import { createTestApp, type Tenant } from '../helpers/app.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { listen } from '../helpers/http-server.js';
import { startHttpsReceiver } from '../helpers/https-receiver.js';
import { createWebhook, deliveriesOf, publishContacts, startTestWorker, waitForDeliveries } from './fixtures.js';

const TIMEOUT_MS = 8_000; // → a DNS budget of 4 s per delivery
const DEAD_DELIVERIES = 2 * WORKER_DEFAULTS.perWebhookCap; // two waves of 32: ~8 s of dead lookups in flight
const HEALTHY_PER_WEBHOOK = 30;
const LOGIN_SAMPLES = 9;
/** The isolation bound the issue sets; the login normally takes ~50–150 ms here. */
const LOGIN_BOUND_MS = 500;

const dnsServer = await startDnsServer();
const t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32', WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS), WEBHOOK_DNS_SERVERS: dnsServer.address });
const baseUrl = await listen(t);
const receivers = await Promise.all([startHttpsReceiver(), startHttpsReceiver(), startHttpsReceiver()]);
let worker: Worker | null = null;
afterAll(async () => {
  await worker?.stop();
  await Promise.all([...receivers.map((r) => r.close()), dnsServer.close()]);
});

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Signs in over a real socket, rotating over the tenants; returns the median latency in ms. */
async function loginMedianMs(tenants: Tenant[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < LOGIN_SAMPLES; i++) {
    const tenant = tenants[i % tenants.length]!;
    const started = performance.now();
    const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: tenant.email, password: tenant.password }),
    });
    await response.arrayBuffer();
    times.push(performance.now() - started);
    expect(response.status).toBe(200);
  }
  return median(times);
}

describe('a webhook whose DNS never answers', () => {
  it('costs its own deliveries a dns timeout; other webhooks keep delivering and logins stay fast', async () => {
    dnsServer.silence('dead.switchboard.test');
    receivers.forEach((_, i) => dnsServer.answer(`healthy-${i + 1}.switchboard.test`, ['127.0.0.1'], 60));
    // Company A owns the dead webhook and one healthy one; companies B and C one healthy webhook each.
    const [a, b, c] = [await t.signup(), await t.signup(), await t.signup()];
    const healthyOwners: Tenant[] = [a!, b!, c!];
    const dead = await createWebhook(t, a!, { url: `https://dead.switchboard.test:${receivers[0]!.port}/dead`, events: ['contact.created'] });
    const healthy = await Promise.all(
      receivers.map((receiver, i) =>
        createWebhook(t, healthyOwners[i]!, { url: `https://healthy-${i + 1}.switchboard.test:${receiver.port}/in`, events: [i === 0 ? 'contact.updated' : 'contact.created'] }),
      ),
    );
    const healthyIds = healthy.map((h) => h.id as string);
    const publishHealthy = () => Promise.all(healthyOwners.map((owner, i) => publishContacts(t, owner, HEALTHY_PER_WEBHOOK, i === 0 ? 'contact.updated' : 'contact.created')));
    const pointAtFreshNames = async (prefix: string) => {
      for (const [i, hook] of healthy.entries()) {
        dnsServer.answer(`${prefix}-${i + 1}.switchboard.test`, ['127.0.0.1'], 60);
        const url = `https://${prefix}-${i + 1}.switchboard.test:${receivers[i]!.port}/in`;
        const response = await t.call('PATCH', `/webhooks/${hook.id}`, { key: healthyOwners[i]!.key, body: { url } });
        expect(response.status).toBe(200);
      }
    };
    const rowsOfAll = async () => (await Promise.all(healthyOwners.map((o) => deliveriesOf(t, o.companyId)))).flat();
    const waitHealthy = async (count: number) => {
      const until = Date.now() + 30_000;
      for (;;) {
        const rows = (await rowsOfAll()).filter((r) => healthyIds.includes(r.webhook_id));
        if (rows.length >= count && rows.every((r) => r.status === 'success' || r.status === 'failed')) return rows;
        if (Date.now() > until) throw new Error(`healthy deliveries did not settle: ${rows.filter((r) => r.status !== 'success').length} open`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    // Baseline: the same work with no dead lookups, after a warm-up round (connections, TLS sessions, DNS cache).
    const idleLoginMs = await loginMedianMs(healthyOwners);
    worker = startTestWorker(t);
    await publishHealthy();
    await waitHealthy(3 * HEALTHY_PER_WEBHOOK);
    await pointAtFreshNames('baseline'); // both measured rounds start with new names: fresh lookups and TLS handshakes
    let started = performance.now();
    await publishHealthy();
    await waitHealthy(6 * HEALTHY_PER_WEBHOOK);
    const baselinePerSecond = (3 * HEALTHY_PER_WEBHOOK) / ((performance.now() - started) / 1000);

    // The dead name's backlog: the worker fills the webhook's slots (32) with lookups that never get an answer.
    await publishContacts(t, a!, DEAD_DELIVERIES, 'contact.created');
    const deadRows = async () => (await deliveriesOf(t, a!.companyId)).filter((r) => r.webhook_id === dead.id);
    for (const until = Date.now() + 10_000; ; ) {
      const inFlight = (await deadRows()).filter((r) => r.status === 'processing').length;
      if (inFlight >= WORKER_DEFAULTS.perWebhookCap && dnsServer.queriesFor('dead.switchboard.test') > 0) break;
      if (Date.now() > until) throw new Error(`the dead webhook's deliveries never went in flight (${inFlight} processing)`);
      await new Promise((r) => setTimeout(r, 20));
    }

    // Names never looked up before: the healthy deliveries need fresh answers while the dead lookups wait.
    await pointAtFreshNames('fresh');
    started = performance.now();
    await publishHealthy();
    const healthyRows = await waitHealthy(9 * HEALTHY_PER_WEBHOOK);
    const loadedPerSecond = (3 * HEALTHY_PER_WEBHOOK) / ((performance.now() - started) / 1000);
    const loadedLoginMs = await loginMedianMs(healthyOwners);
    // Everything healthy, and the logins, finished while the dead webhook still had deliveries waiting on DNS.
    const deadWhenHealthyDone = await deadRows();
    expect(deadWhenHealthyDone.filter((r) => r.status === 'failed').length).toBeLessThan(DEAD_DELIVERIES);
    expect(healthyRows.filter((r) => r.status !== 'success').map((r) => [r.error_kind, r.error_message])).toEqual([]);
    expect(receivers.map((r) => r.requests.length)).toEqual([3 * HEALTHY_PER_WEBHOOK, 3 * HEALTHY_PER_WEBHOOK, 3 * HEALTHY_PER_WEBHOOK]);
    expect(receivers.map((_, i) => dnsServer.queriesFor(`fresh-${i + 1}.switchboard.test`) > 0)).toEqual([true, true, true]);
    expect(receivers.map((r) => r.requests.slice(-HEALTHY_PER_WEBHOOK).every((q) => /^fresh-\d\.switchboard\.test:/.test(String(q.headers.host))))).toEqual([true, true, true]);
    expect(loadedLoginMs).toBeLessThan(LOGIN_BOUND_MS);

    // The dead webhook's deliveries all end failed, kind dns, each after its own DNS budget (not the whole timeout).
    const settled = await waitForDeliveries(t, a!.companyId, (rows) => rows.filter((r) => r.webhook_id === dead.id && r.status === 'failed').length >= DEAD_DELIVERIES, 60_000);
    const deadSettled = settled.filter((r) => r.webhook_id === dead.id);
    expect(new Set(deadSettled.map((r) => `${r.status} ${r.error_kind}`))).toEqual(new Set(['failed dns']));
    expect(deadSettled.every((r) => r.error_message!.startsWith('could not resolve dead.switchboard.test: '))).toBe(true);
    expect(receivers[0]!.requests.filter((r) => r.path === '/dead')).toHaveLength(0);

    console.info(
      `[dns isolation] login median ${idleLoginMs.toFixed(0)} ms idle, ${loadedLoginMs.toFixed(0)} ms with ${DEAD_DELIVERIES} dead lookups queued; ` +
        `healthy deliveries ${baselinePerSecond.toFixed(0)}/s alone, ${loadedPerSecond.toFixed(0)}/s beside the dead webhook (${3 * HEALTHY_PER_WEBHOOK} per run)`,
    );
  }, 120_000);
});
