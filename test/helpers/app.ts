// An in-process app on a fresh database, plus small helpers to sign up companies and call the API the way a
// client would (app.request: real routing, validation and error mapping, no socket).
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { createApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestApp {
  ctx: AppContext;
  app: ReturnType<typeof createApp>;
  database: TestDatabase;
  /** Calls the API; `auth` is an API key or a session cookie header value. */
  call(method: string, path: string, options?: { body?: unknown; key?: string; cookie?: string; headers?: Record<string, string> }): Promise<Response>;
  signup(overrides?: Partial<{ companyName: string; email: string; password: string }>): Promise<Tenant>;
}

export interface Tenant {
  companyId: string;
  userId: string;
  email: string;
  password: string;
  cookie: string;
  /** An API key of the admin. */
  key: string;
}

export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({ DATABASE_URL: database.url, SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent', ...env }, []);
  const ctx: AppContext = Object.freeze({ config, secretKey: config.secretKey!, pool: database.pool, db: database.db, log: createLogger('silent') });
  const app = createApp(ctx);

  const call: TestApp['call'] = (method, path, options = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.key) headers['x-api-key'] = options.key;
    if (options.cookie) headers.cookie = options.cookie;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    return Promise.resolve(app.request(`http://localhost/api/v1${path}`, { method, headers, body }));
  };

  const signup: TestApp['signup'] = async (overrides = {}) => {
    const email = overrides.email ?? `admin-${randomBytes(4).toString('hex')}@example.com`;
    const password = overrides.password ?? 'correct horse battery';
    const response = await call('POST', '/auth/signup', {
      body: { companyName: overrides.companyName ?? 'Acme', firstName: 'Ada', lastName: 'Admin', email, password },
    });
    if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${await response.text()}`);
    const { company, user } = (await response.json()) as { company: { id: string }; user: { id: string } };
    const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
    const keyResponse = await call('POST', '/api-keys', { cookie, body: { name: 'test' } });
    const { key } = (await keyResponse.json()) as { key: string };
    return { companyId: company.id, userId: user.id, email, password, cookie, key };
  };

  return { ctx, app, database, call, signup };
}
