// Shared set-up for delivery tests: an app whose config allows 127.0.0.1 (the receiver), events produced
// through the real outbox path (publishEvents in a transaction), a worker trusting the test CA, and waits that
// poll the database (bounded, no fixed sleeps).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { startWorker, type Worker, type WorkerOptions } from '../../src/delivery/worker.js';
import { withTransaction } from '../../src/db/transaction.js';
import type { EventName } from '../../src/events/catalog.js';
import { publishEvents, type PublishedEvent } from '../../src/events/publish.js';
import type { TestApp, Tenant } from '../helpers/app.js';
import { testPki } from '../helpers/https-receiver.js';

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

export async function deliveriesOf(t: TestApp, companyId: string): Promise<DeliveryRow[]> {
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
