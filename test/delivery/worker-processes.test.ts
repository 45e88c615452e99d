// Workers as real processes (`src/main.ts --role worker`, trusting the test CA through NODE_EXTRA_CA_CERTS):
// one killed with SIGKILL mid-batch loses nothing and its claims are sent again after one short lease (the
// heartbeat, not the request timeout, keeps a lease alive); one frozen with SIGSTOP past its lease cannot
// record over the result of the worker that took its claims; and two sharing a database never send one claim
// twice.
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { WORKER_DEFAULTS } from '../../src/delivery/worker.js';
import { allFinished, createWebhook, deliveriesOf, exited, publishContacts, startDeliveryFixture, waitForDeliveries } from './fixtures.js';

const fixture = await startDeliveryFixture();
const { t, receiver } = fixture;

const startWorkerProcess = (env: Record<string, string> = {}): ChildProcess =>
  fixture.startWorkerProcess(
    {
      WEBHOOK_TIMEOUT_MS: '30000', // the lease does not depend on it: the heartbeat renews leases while requests run
      WEBHOOK_LEASE_MS: '3000',
      ...env,
    },
    { output: true },
  );

/** Resolves once the process has logged that its worker loop runs. */
function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${seen.slice(-500)}`)), 60_000);
    child.stdout!.on('data', (chunk: string) => {
      seen += chunk;
      if (seen.includes('delivery worker started')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('worker processes', () => {
  it('a worker killed with SIGKILL mid-batch: after a restart every delivery completes, its claims after one lease, not the request timeout', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/slow`, events: ['contact.created'] });
    receiver.setResponder(async () => {
      await sleep(150);
      return { status: 200 };
    });
    const before = receiver.requests.length;
    const first = startWorkerProcess();
    await publishContacts(t, tenant, 40);
    await receiver.waitFor(before + 5, 60_000);
    first.kill('SIGKILL');
    const killedAt = Date.now();
    await exited(first);
    const atKill = await deliveriesOf(t, tenant.companyId);
    const inFlightAtKill = atKill.filter((r) => r.status === 'processing');
    expect(inFlightAtKill.length).toBeGreaterThan(0);
    expect(atKill.filter((r) => r.status === 'success').length).toBeLessThan(40);

    const second = startWorkerProcess();
    await started(second);
    const readyAt = Math.max(killedAt, Date.now());
    const rows = await waitForDeliveries(t, tenant.companyId, (all) => all.length === 40 && all.every((r) => r.status === 'success'), 60_000);
    expect(rows.some((r) => r.status === 'processing')).toBe(false);
    const received = new Set(receiver.requests.slice(before).map((r) => r.headers['x-webhook-delivery']));
    for (const row of rows) expect(received.has(row.id)).toBe(true);
    // The claims the killed worker held are sent again once their 3 s lease runs out (with a 30 s request
    // timeout the old lease, 2 × timeout + 2 s, held them for 62 s). The bound is loose on purpose: it only
    // tells a lease renewed by a heartbeat from one sized by the timeout.
    const resentAt = (id: string) => Math.max(...receiver.requests.filter((r) => r.headers['x-webhook-delivery'] === id).map((r) => r.receivedAt));
    for (const row of inFlightAtKill) expect(resentAt(row.id) - readyAt).toBeLessThan(15_000);

    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
  }, 180_000);

  it('a worker killed with SIGKILL while 100 retries wait: after a restart every retry is sent and succeeds', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/retry-after-crash`, events: ['contact.created'], retryPolicy: 'exponential' });
    // The first attempt of each event fails (503), every later one succeeds.
    const seen = new Set<string>();
    receiver.setResponder((request) => {
      const entity = JSON.parse(request.body).data.entityId as string;
      if (seen.has(entity)) return { status: 200 };
      seen.add(entity);
      return { status: 503 };
    });
    const env = { WEBHOOK_RETRY_SCHEDULE: '5s' };
    const first = startWorkerProcess(env);
    await started(first);
    await publishContacts(t, tenant, 100);
    const waiting = await waitForDeliveries(t, tenant.companyId, (all) => all.length === 200 && all.filter((r) => r.status === 'failed').length === 100, 60_000);
    expect(waiting.filter((r) => r.status === 'pending' && r.trigger === 'retry')).toHaveLength(100);
    first.kill('SIGKILL');
    await exited(first);

    const second = startWorkerProcess(env);
    const rows = await waitForDeliveries(t, tenant.companyId, (all) => all.filter((r) => r.status === 'success').length === 100, 60_000);
    expect(rows).toHaveLength(200);
    const retries = rows.filter((r) => r.trigger === 'retry');
    expect(retries.every((r) => r.status === 'success')).toBe(true);
    expect(new Set(retries.map((r) => (r as unknown as { retry_of: string }).retry_of))).toEqual(new Set(rows.filter((r) => r.trigger === 'event').map((r) => r.id)));
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
  }, 180_000);

  it('a worker frozen past its lease (no heartbeat) cannot record over the result of the worker that took its claims', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/stalled`, events: ['contact.created'] });
    // The frozen worker's requests are held open and then answered 500; every later attempt is answered 200.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const attempts = new Map<string, number>();
    receiver.setResponder(async (request) => {
      const id = request.headers['x-webhook-delivery'] as string;
      const n = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, n);
      if (n > 1) return { status: 200 };
      await gate;
      return { status: 500 };
    });
    const before = receiver.requests.length;
    const frozen = startWorkerProcess();
    await started(frozen);
    let frozenOutput = '';
    frozen.stdout!.on('data', (chunk: string) => (frozenOutput += chunk));
    await publishContacts(t, tenant, 3);
    await receiver.waitFor(before + 3, 60_000);
    frozen.kill('SIGSTOP'); // a stall: no heartbeat, no progress, its requests still open

    const taker = startWorkerProcess();
    const taken = await waitForDeliveries(t, tenant.companyId, (all) => all.length === 3 && all.every((r) => r.status === 'success'), 60_000);
    expect(taken.every((r) => r.status_code === 200)).toBe(true);

    // Now the frozen worker wakes up, gets its 500s and tries to record them.
    openGate();
    frozen.kill('SIGCONT');
    const deadline = Date.now() + 60_000;
    while (!frozenOutput.includes('results of claims another worker took over were discarded') && Date.now() < deadline) await sleep(100);
    expect(frozenOutput).toContain('results of claims another worker took over were discarded');
    const rows = await deliveriesOf(t, tenant.companyId);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.status === 'success' && r.status_code === 200)).toBe(true);
    for (const row of rows) expect(attempts.get(row.id)).toBe(2);
    frozen.kill('SIGTERM');
    taker.kill('SIGTERM');
    expect(await Promise.all([exited(frozen), exited(taker)])).toEqual([0, 0]);
  }, 180_000);

  it('two workers on one database never send the same claim twice', async () => {
    const tenant = await t.signup();
    await createWebhook(t, tenant, { url: `${receiver.url}/shared`, events: ['contact.created'] });
    let inFlight = 0;
    let peak = 0;
    receiver.setResponder(async () => {
      peak = Math.max(peak, ++inFlight);
      // Long enough that both processes' claims overlap even on a loaded machine (at 100 ms one process could
      // finish its batch before the other's requests arrived).
      await sleep(500);
      inFlight--;
      return { status: 200 };
    });
    const before = receiver.requests.length;
    const workers = [startWorkerProcess(), startWorkerProcess()];
    await Promise.all(workers.map(started)); // both up, so both compete for the same rows
    await publishContacts(t, tenant, 150);
    const rows = await waitForDeliveries(t, tenant.companyId, allFinished(150), 60_000);
    expect(rows.every((r) => r.status === 'success')).toBe(true);
    const ids = receiver.requests.slice(before).map((r) => r.headers['x-webhook-delivery'] as string);
    expect(ids.length).toBe(150);
    expect(new Set(ids).size).toBe(150);
    // One process caps a webhook at perWebhookCap requests in flight: more than that proves both were sending.
    expect(peak).toBeGreaterThan(WORKER_DEFAULTS.perWebhookCap);
    for (const worker of workers) worker.kill('SIGTERM');
    expect(await Promise.all(workers.map(exited))).toEqual([0, 0]);
  }, 180_000);
});
