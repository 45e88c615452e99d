// The embedded-PostgreSQL lifecycle as a user meets it through `npm start`: first start, restart with the
// same data, kill -9 recovery, two apps on one DATA_DIR, and the bootstrap CLI against a running app.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runToCompletion, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-embedded-'));
const env = { DATA_DIR: dataDir };
const running: ServerProcess[] = [];

afterAll(async () => {
  for (const server of running) await server.stop('SIGTERM');
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      /* already gone */
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function start() {
  const server = await startServerProcess(env);
  running.push(server);
  return server;
}

function postmasterPid(): number | null {
  const file = path.join(dataDir, 'pg', 'postmaster.pid');
  return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').split('\n')[0]) : null;
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const account = { companyName: 'Embedded Inc', firstName: 'E', lastName: 'M', email: 'owner@embedded.example', password: 'embedded-password' };

describe.sequential('embedded PostgreSQL lifecycle', () => {
  it('first start initialises a cluster in DATA_DIR, serves health, and stops cleanly on SIGTERM', async () => {
    const server = await start();
    expect(server.output()).toMatch(/Sign up/);
    expect(server.output()).toMatch(/npm run cli -- bootstrap/);
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
    const signup = await fetch(`${server.url}/api/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
    expect(signup.status).toBe(201);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    expect(fs.readFileSync(path.join(dataDir, 'secret.key'), 'utf8').trim()).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const pgPid = postmasterPid()!;
    expect(isAlive(pgPid)).toBe(true);
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(isAlive(pgPid)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'switchboard.pid'))).toBe(false);
  });

  it('a second start reuses the data', async () => {
    const server = await start();
    const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: account.email, password: account.password }) });
    expect(login.status).toBe(200);
  });

  it('a second app on the same DATA_DIR refuses with a clear message', async () => {
    const second = await runToCompletion('src/main.ts', [], { ...env, PORT: '0' });
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/DATA_DIR .* is in use by another Switchboard process \(pid \d+\)/);
    // The first app is unharmed.
    expect((await fetch(`${running.at(-1)!.url}/api/v1/health`)).status).toBe(200);
  });

  it('the bootstrap CLI works while the app is running and prints a usable key', async () => {
    const server = running.at(-1)!;
    const result = await runToCompletion('src/cli.ts', ['bootstrap', '--company', 'CLI Co', '--email', 'cli@embedded.example', '--password', 'cli-password-123'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(Object.keys(printed).sort()).toEqual(['apiKey', 'companyId', 'userId']);
    const me = await fetch(`${server.url}/api/v1/users/me`, { headers: { 'x-api-key': printed.apiKey } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: printed.userId, companyId: printed.companyId, role: 'admin' });
  });

  it('after kill -9 of the app, the orphaned server is detected and the next start works', async () => {
    const server = running.at(-1)!;
    const pgPid = postmasterPid()!;
    await server.stop('SIGKILL');
    expect(isAlive(pgPid)).toBe(true); // the killed app left its PostgreSQL behind
    const next = await start();
    expect(isAlive(pgPid)).toBe(false);
    const login = await fetch(`${next.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'cli@embedded.example', password: 'cli-password-123' }) });
    expect(login.status).toBe(200);
    expect(await next.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('a bad configuration value stops start-up naming the variable', async () => {
    const result = await runToCompletion('src/main.ts', [], { ...env, PORT: 'eighty' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/PORT: must be a whole number/);
    const noKey = await runToCompletion('src/main.ts', [], { DATABASE_URL: 'postgres://127.0.0.1:1/x' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/SECRET_KEY: is required with DATABASE_URL/);
  });
});
