// Shared set-up for delivery tests: an app whose config allows 127.0.0.1 (the receiver), events produced
// through the real outbox path (publishEvents in a transaction), a worker trusting the test CA, and waits that
// poll the database (bounded, no fixed sleeps). `startDeliveryFixture` puts the app, a real HTTPS receiver and
// the workers (in-process and as processes) together, with their teardown.
import { expandCompanyFanout, expandFanout } from '../../src/delivery/fanout.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { startWorker, type Worker, type WorkerOptions } from '../../src/delivery/worker.js';
import { withTransaction } from '../../src/db/transaction.js';
import type { EventName } from '../../src/events/catalog.js';
import { publishEvents, type PublishedEvent } from '../../src/events/publish.js';
import { createTestApp, TEST_SECRET_KEY, type TestApp, type Tenant } from '../helpers/app.js';
import { startHttpsReceiver, testPki, type HttpsReceiver, type HttpsReceiverOptions, type Responder } from '../helpers/https-receiver.js';

/** Lets the worker send to the receiver, which listens on loopback (a private address the sender refuses by default). */
export const ALLOW_RECEIVER = { WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32' } as const;

export interface DeliveryFixtureOptions {
  /** The app's config, on top of ALLOW_RECEIVER. */
  env?: Record<string, string>;
  /** How the receiver starts (its responder, …). */
  receiver?: HttpsReceiverOptions;
  /** After each test the receiver answers with this again, so a responder one test sets does not reach the next. */
  resetResponder?: Responder;
}

export interface DeliveryFixture {
  /** The app on its own fresh database. */
  t: TestApp;
  receiver: HttpsReceiver;
  /**
   * Starts a worker on `app` (default: `t`) trusting the test CA. One started inside a test is stopped after
   * that test; one started outside a test (at module level, in beforeAll) after the file, before the receiver
   * closes. Stopping it earlier in the test is fine: a second stop does nothing.
   */
  startWorker(options?: WorkerOptions, app?: TestApp): Worker;
  /**
   * Spawns `src/main.ts --role worker` on `t`'s database, trusting the test CA (NODE_EXTRA_CA_CERTS), logging at
   * info; `env` is added to its environment. With `output: true` its stdout and stderr are pipes of UTF-8 text
   * for the test to read; otherwise they are ignored. Killed (SIGKILL) after each test if still running.
   */
  startWorkerProcess(env?: Record<string, string>, options?: { output?: boolean }): ChildProcess;
}

/**
 * The app, the receiver and the workers of a delivery test, with their teardown registered. Call it at module
 * level (`const { t, receiver, startWorker } = await startDeliveryFixture({ ... })`) so its hooks are collected.
 */
export async function startDeliveryFixture(options: DeliveryFixtureOptions = {}): Promise<DeliveryFixture> {
  const t = await createTestApp({ ...ALLOW_RECEIVER, ...options.env });
  const receiver = await startHttpsReceiver(options.receiver);
  const fileWorkers: Worker[] = [];
  const testWorkers: Worker[] = [];
  const processes = new Set<ChildProcess>();
  let inTest = false;

  beforeEach(() => {
    inTest = true;
  });
  afterEach(async () => {
    inTest = false;
    for (const child of processes) child.kill('SIGKILL');
    await Promise.all(testWorkers.splice(0).map((w) => w.stop()));
    if (options.resetResponder) receiver.setResponder(options.resetResponder);
  });
  afterAll(async () => {
    await Promise.all([...fileWorkers.splice(0), ...testWorkers.splice(0)].map((w) => w.stop()));
    await receiver.close();
  });

  return {
    t,
    receiver,
    startWorker(workerOptions = {}, app = t) {
      const worker = startTestWorker(app, workerOptions);
      (inTest ? testWorkers : fileWorkers).push(worker);
      return worker;
    },
    startWorkerProcess(env = {}, { output = false } = {}) {
      const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/main.ts'), '--role', 'worker'], {
        env: {
          ...process.env,
          DATABASE_URL: t.database.url,
          SECRET_KEY: TEST_SECRET_KEY,
          ...ALLOW_RECEIVER,
          NODE_EXTRA_CA_CERTS: receiver.caCertPath,
          LOG_LEVEL: 'info',
          ...env,
        },
        stdio: ['ignore', output ? 'pipe' : 'ignore', output ? 'pipe' : 'ignore'],
      });
      if (output) {
        child.stdout!.setEncoding('utf8');
        child.stderr!.setEncoding('utf8');
      }
      processes.add(child);
      child.once('exit', () => processes.delete(child));
      return child;
    },
  };
}

/** Resolves with the process's exit code (null when a signal ended it) once it has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

export async function json(response: Response): Promise<any> {
  return response.json();
}

/** Publishes contact events for the tenant the way a write does: in one transaction. */
export function publishContacts(t: TestApp, tenant: Tenant, count: number, name: EventName = 'contact.created'): Promise<PublishedEvent[]> {
  return withTransaction(t.ctx.db, (tx) =>
    publishEvents(
      tx,
      { companyId: tenant.companyId, userId: tenant.userId },
      Array.from({ length: count }, (_, i) => {
        const id = randomUUID();
        return { name, entityId: id, payload: { contact: { id, firstName: `Ada ${i}`, lastName: 'Lovelace', emails: [`ada${i}@example.com`] } } };
      }),
    ),
  );
}

export function startTestWorker(t: TestApp, options: WorkerOptions = {}): Worker {
  return startWorker(t.ctx, { pollMs: 200, stopDeadlineMs: 2_000, ...options, sender: { ca: fs.readFileSync(testPki().caCertPath), ...options.sender } });
}

export async function createWebhook(t: TestApp, tenant: Tenant, body: Record<string, unknown>): Promise<any> {
  const response = await t.call('POST', '/webhooks', { key: tenant.key, body });
  if (response.status !== 201) throw new Error(`webhook not created: ${response.status} ${await response.text()}`);
  return response.json();
}

export interface DeliveryRow {
  id: string;
  status: string;
  webhook_id: string;
  event_id: string;
  status_code: number | null;
  error_kind: string | null;
  error_message: string | null;
  trigger: string;
  resend_of: string | null;
  url: string;
}

/** Turns every committed write's fan-out rows into pending deliveries, as a worker would (without claiming any). */
export async function expandWrites(t: TestApp): Promise<void> {
  while ((await expandFanout(t.ctx.pool)).events > 0);
}

/** The company's delivery log, read as every surface reads it: after expanding its writes' fan-out rows. */
export async function deliveriesOf(t: TestApp, companyId: string): Promise<DeliveryRow[]> {
  await expandCompanyFanout(t.ctx.db, companyId);
  const { rows } = await t.ctx.pool.query('SELECT * FROM webhook_deliveries WHERE company_id = $1 ORDER BY created_at, id', [companyId]);
  return rows;
}

/** Polls until `done(rows)` holds for the company's deliveries; fails with the last rows after `timeoutMs`. */
export async function waitForDeliveries(t: TestApp, companyId: string, done: (rows: DeliveryRow[]) => boolean, timeoutMs = 10_000): Promise<DeliveryRow[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await deliveriesOf(t, companyId);
    if (done(rows)) return rows;
    if (Date.now() > until) throw new Error(`deliveries did not settle: ${JSON.stringify(rows.map((r) => [r.status, r.error_kind]))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const allFinished = (count: number) => (rows: DeliveryRow[]) => rows.length >= count && rows.every((r) => r.status === 'success' || r.status === 'failed');
