// `npm run cli -- listen` as a user runs it: the real CLI as a child process against the real server process,
// forwarding to a local plain-HTTP receiver. It starts at the newest event, prints its secret first, forwards the
// stored envelope bytes with the webhook headers, survives a Ctrl-C (SIGINT) mid-stream and a restart with every
// event arriving exactly once, each verifiable with the printed secret through the `standardwebhooks` library and
// the brief's check; bad targets and event names are refused.
import crypto from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/db.js';
import { runScript, runToCompletion, startServerProcess } from '../helpers/server-process.js';

const database = await createTestDatabase();
const server = await startServerProcess({ DATABASE_URL: database.url, SECRET_KEY: TEST_SECRET_KEY }, ['--role', 'api']);
afterAll(() => server.stop());

interface Got {
  headers: http.IncomingHttpHeaders;
  body: string;
}
const received: Got[] = [];
const local = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    // A little work per event, so a Ctrl-C lands mid-stream.
    setTimeout(() => res.writeHead(received.length % 7 === 0 ? 500 : 200).end('ok'), 20);
  });
});
await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
const localUrl = `http://127.0.0.1:${(local.address() as AddressInfo).port}/hook`;
afterAll(() => new Promise<void>((resolve) => local.close(() => resolve())));

async function api(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/api/v1${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response;
}
const signup = await api('POST', '/auth/signup', { companyName: 'Listen Co', firstName: 'Ada', lastName: 'Dev', email: 'listen@example.com', password: 'correct horse battery' });
const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;
const { key } = (await (await api('POST', '/api-keys', { name: 'listen' }, { cookie })).json()) as { key: string };
const createContacts = async (count: number, tag: string) => {
  const response = await api('POST', '/contacts/many', { items: Array.from({ length: count }, (_, i) => ({ firstName: `${tag} ${i}`, lastName: 'Zoë 🚀' })) }, { 'x-api-key': key });
  expect(response.status).toBe(201);
};

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}
function startListen(args: string[]): Running {
  const child = runScript('src/cli.ts', ['listen', ...args], {});
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  afterAll(() => void (child.exitCode === null && child.kill('SIGKILL')));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}
async function until(condition: () => boolean, what: string, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('listen', () => {
  it('forwards every event exactly once across a Ctrl-C and a restart, each verifiable with the printed secret', async () => {
    await createContacts(3, 'Before'); // before the first run: not forwarded (it starts at the newest event)
    const statePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'listen-')), 'state.json');
    const args = ['--forward-to', localUrl, '--url', server.url, '--api-key', key, '--state', statePath, '--events', 'contact.created,contact.updated'];

    const first = startListen(args);
    await until(() => /^secret: \S+$/m.test(first.stdout()), 'the secret line', 60_000);
    const secret = /^secret: (\S+)$/m.exec(first.stdout())![1]!;
    expect(first.stdout().split('\n')[0]).toBe(`secret: ${secret}`); // before anything else
    await createContacts(40, 'Burst');
    await until(() => received.length >= 8, 'the first forwards');
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    const forwardedBeforeStop = received.length;
    expect(forwardedBeforeStop).toBeLessThan(40); // stopped mid-stream

    await createContacts(10, 'While stopped');
    const second = startListen(args);
    await until(() => received.length >= 50, 'the rest after the restart', 60_000);
    await new Promise((r) => setTimeout(r, 1_000)); // room for a repeat to show up
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(second.stdout().split('\n')[0]).toBe(`secret: ${secret}`); // the same secret after a restart

    // Exactly once: the 50 events after the start, by event id, none of the 3 before.
    const { rows } = await database.pool.query<{ id: string; body: string }>(`SELECT id, body FROM events WHERE name = 'contact.created'`);
    expect(rows).toHaveLength(53);
    const expected = new Map(rows.filter((r) => !r.body.includes('"firstName":"Before ')).map((r) => [r.id, r.body]));
    expect(expected.size).toBe(50);
    const ids = received.map((r) => r.headers['webhook-id'] as string);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(expected.keys()));

    for (const got of received) {
      const id = got.headers['webhook-id'] as string;
      expect(got.body).toBe(expected.get(id)); // the stored envelope bytes
      expect(got.headers['x-webhook-event']).toBe('contact.created');
      expect(got.headers['x-webhook-record-version']).toBe('1');
      expect(got.headers['content-type']).toBe('application/json');
      expect(() => new Webhook(Buffer.from(secret), { format: 'raw' }).verify(got.body, got.headers as Record<string, string>)).not.toThrow();
      const hex = crypto.createHmac('sha256', secret).update(got.body).digest('hex');
      expect(got.headers['x-webhook-signature']).toBe(hex);
    }
    // One line per event: time, event, record, local status, duration.
    const lines = (first.stdout() + second.stdout()).split('\n').filter((l) => l.includes('contact.created'));
    expect(lines).toHaveLength(50);
    expect(lines.find((l) => l.includes('→ 500'))).toMatch(/^\d{4}-\d\d-\d\dT\S+Z {2}contact\.created {2}[0-9a-f-]{36} v1 {2}→ 500 {2}\d+ ms$/);
  });

  it.each([
    [['--forward-to', 'ftp://127.0.0.1/hook'], /only http:\/\/ and https:\/\//],
    [['--forward-to', 'file:///etc/passwd'], /only http:\/\/ and https:\/\//],
    [['--forward-to', 'not a url'], /--forward-to: "not a url" is not a URL/],
    [['--forward-to', 'http://127.0.0.1:1/hook', '--events', 'contact.created,contact.exploded'], /--events: "contact.exploded" is not an event/],
    [[], /--forward-to is required/],
  ])('refuses %j with a message naming the flag', async (args, message) => {
    const run = await runToCompletion('src/cli.ts', ['listen', ...args, '--url', server.url, '--api-key', key], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('refuses a wrong API key with a clear message', async () => {
    const statePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'listen-')), 'state.json');
    const run = await runToCompletion('src/cli.ts', ['listen', '--forward-to', localUrl, '--url', server.url, '--api-key', 'sk_wrong', '--state', statePath], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/refused the API key \(401\)/);
  });
});
