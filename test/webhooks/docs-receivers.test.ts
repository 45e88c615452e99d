// The receivers written from docs/webhooks.md alone (docs/examples/receiver.mjs and receiver.py), run as they are
// against real deliveries from the worker over HTTPS: they verify both signatures, upsert, order by record
// version, keep a tombstone, recognise a resend as a duplicate by webhook-id, accept a test event, keep
// verifying webhook-signature through a secret rotation, and refuse an X-Webhook-Signature made with a secret
// they do not have.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.js';
import { testPki } from '../helpers/https-receiver.js';
import { ROOT } from '../helpers/server-process.js';
import { createWebhook, json, startTestWorker, waitForDeliveries } from '../delivery/fixtures.js';

const t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32' });
const worker = startTestWorker(t);
afterAll(() => worker.stop());
const pki = testPki();
const hasPython = spawnSync('python3', ['--version']).status === 0;

interface Receiver {
  url: string;
  lines: () => Array<Record<string, unknown>>;
  child: ChildProcess;
}
async function startReceiver(command: string, file: string, secret: string): Promise<Receiver> {
  const child = spawn(command, [path.join(ROOT, 'docs/examples', file)], {
    cwd: path.join(ROOT, 'docs/examples'),
    env: { ...process.env, WEBHOOK_SECRET: secret, PORT: '0', TLS_CERT_FILE: path.join(pki.dir, 'server.crt'), TLS_KEY_FILE: path.join(pki.dir, 'server.key') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  afterAll(() => void child.kill());
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start: ${out}${err}`)), 20_000);
    child.stdout!.on('data', () => {
      const match = /listening on (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  const lines = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { url: `https://127.0.0.1:${port}/hooks/switchboard`, lines, child };
}

async function until(condition: () => boolean, what: string, receiver: Receiver) {
  const end = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; receiver printed ${JSON.stringify(receiver.lines())}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const receivers: Array<[string, string, string]> = [['Node', 'node', 'receiver.mjs']];
if (hasPython) receivers.push(['Python', 'python3', 'receiver.py']);

describe.each(receivers)('the %s receiver from the docs', (_, command, file) => {
  it('verifies, upserts, orders, deduplicates and follows a rotation', async () => {
    const secret = `docs-receiver-${file}-secret`;
    const receiver = await startReceiver(command, file, secret);
    const tenant = await t.signup();
    const hook = await createWebhook(t, tenant, { url: receiver.url, events: ['contact.created', 'contact.updated', 'contact.deleted'], secret });
    const call = async (method: string, route: string, body?: unknown) => {
      const response = await t.call(method, route, { key: tenant.key, body });
      expect(response.status, `${method} ${route}`).toBeLessThan(300);
      return response.status === 204 ? null : json(response);
    };
    const count = () => receiver.lines().length;

    const contact = await call('POST', '/contacts', { firstName: 'Ada', lastName: 'Docs' });
    await until(() => count() === 1, 'the created event', receiver);
    await call('PATCH', `/contacts/${contact.id}`, { lastName: 'Lovelace' });
    await until(() => count() === 2, 'the updated event', receiver);
    expect(receiver.lines().slice(0, 2)).toMatchObject([
      { event: 'contact.created', entityId: contact.id, version: 1, result: 'upserted' },
      { event: 'contact.updated', entityId: contact.id, version: 2, result: 'applied' },
    ]);

    // A resend repeats the event: same webhook-id, so the receiver sees a duplicate.
    const [first] = await waitForDeliveries(t, tenant.companyId, (rows) => rows.length === 2 && rows.every((r) => r.status === 'success'));
    await call('POST', `/webhook-deliveries/${first!.id}/resend`);
    await until(() => count() === 3, 'the resend', receiver);
    expect(receiver.lines()[2]).toMatchObject({ eventId: receiver.lines()[0]!.eventId, result: 'duplicate' });

    // A rotation: the receiver still has the old secret; webhook-signature verifies through the overlap, but the
    // brief's X-Webhook-Signature is signed with the new secret only, so this receiver (checking both) refuses.
    await call('POST', `/webhooks/${hook.id}/secret/rotate`, { secret: `${secret}-rotated`, overlapHours: 1 });
    await call('PATCH', `/contacts/${contact.id}`, { firstName: 'Augusta' });
    await until(() => count() === 4, 'the delivery after the rotation', receiver);
    expect(receiver.lines()[3]).toMatchObject({ result: 'rejected', reason: 'x-webhook-signature' });
    await call('PATCH', `/webhooks/${hook.id}`, { secret });

    await call('DELETE', `/contacts/${contact.id}`);
    await until(() => count() === 5, 'the deleted event', receiver);
    expect(receiver.lines()[4]).toMatchObject({ event: 'contact.deleted', version: 4, result: 'applied (missed 1)' });

    await call('POST', `/webhooks/${hook.id}/test`);
    await until(() => count() === 6, 'the test event', receiver);
    expect(receiver.lines()[5]).toMatchObject({ event: 'webhook.test', result: 'test' });
  });
});
