// Start-up behaviour of the real server process (`src/main.ts`): an API process purges expired sessions on its
// own, and a missing generated secret.key beside encrypted webhook secrets stops start-up with advice instead of
// being replaced by a new key that would make every secret unreadable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.js';
import { TEST_SECRET_KEY } from '../helpers/app.js';
import { runToCompletion, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const running: ServerProcess[] = [];
afterAll(async () => {
  for (const server of running) await server.stop('SIGTERM');
});

async function start(env: Record<string, string>, args: string[] = []) {
  const server = await startServerProcess(env, args);
  running.push(server);
  return server;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return check();
}

describe('an API process purges expired sessions', () => {
  it('an expired session row disappears with no sign-in; a live one stays', async () => {
    const database = await createTestDatabase();
    const { rows } = await database.pool.query(
      `WITH c AS (INSERT INTO companies (name) VALUES ('Purge Co') RETURNING id)
       INSERT INTO users (company_id, email, first_name, last_name, role, password_hash)
       SELECT id, 'purge@example.com', 'P', 'U', 'admin', 'x' FROM c RETURNING id`,
    );
    await database.pool.query(
      `INSERT INTO sessions (token_hash, user_id, expires_at) VALUES
         ('expired-session', $1, now() - interval '1 minute'), ('live-session', $1, now() + interval '1 day')`,
      [rows[0].id],
    );
    await start({ DATABASE_URL: database.url, SECRET_KEY: TEST_SECRET_KEY }, ['--role', 'api']);
    const sessions = async () => (await database.pool.query('SELECT token_hash FROM sessions ORDER BY token_hash')).rows.map((r) => r.token_hash);
    expect(await waitFor(async () => !(await sessions()).includes('expired-session'), 45_000)).toBe(true);
    expect(await sessions()).toEqual(['live-session']);
  }, 120_000);
});

describe('a missing generated secret.key', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-secret-key-'));
  const env = { DATA_DIR: dataDir, WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32' };
  const keyFile = path.join(dataDir, 'secret.key');
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('beside encrypted webhook secrets refuses to start (exit code 2) and says what to do; the restored key starts', async () => {
    const first = await start(env);
    const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${first.url}/api/v1${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const signup = await post('/auth/signup', { companyName: 'Keys Inc', firstName: 'K', lastName: 'E', email: 'keys@example.com', password: 'keys-password-1' });
    expect(signup.status).toBe(201);
    const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;
    const webhook = await post('/webhooks', { url: 'https://127.0.0.1:9/hook', events: ['contact.created'], secret: 'a-receiver-secret-of-32-characters!' }, { cookie });
    expect(webhook.status, await webhook.clone().text()).toBe(201);
    expect((await first.stop('SIGTERM')).code).toBe(0);

    const key = fs.readFileSync(keyFile, 'utf8');
    fs.rmSync(keyFile);
    const refused = await runToCompletion('src/main.ts', [], { ...env, PORT: '0' }, 90_000);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(path.resolve(keyFile));
    expect(refused.stderr).toMatch(/DATA_DIR\/secret\.key\) is missing, but the database holds 1 webhook secret/);
    expect(refused.stderr).toMatch(/Restore that file from a backup of DATA_DIR, or set SECRET_KEY/);
    expect(fs.existsSync(keyFile)).toBe(false);

    // SECRET_KEY set to the old key starts, and so does the restored file.
    const withEnv = await start({ ...env, SECRET_KEY: key.trim() });
    expect((await fetch(`${withEnv.url}/api/v1/health`)).status).toBe(200);
    await withEnv.stop('SIGTERM');
    fs.writeFileSync(keyFile, key, { mode: 0o600 });
    const restored = await start(env);
    expect((await fetch(`${restored.url}/api/v1/health`)).status).toBe(200);
    await restored.stop('SIGTERM');
  }, 240_000);
});
