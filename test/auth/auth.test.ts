import { describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.js';

const t = await createTestApp();

async function json(response: Response) {
  return (await response.json()) as any;
}

describe('sign-up, sign-in, sign-out', () => {
  it('signs up, sets an HTTP-only SameSite=Lax cookie, and knows the user', async () => {
    const response = await t.call('POST', '/auth/signup', {
      body: { companyName: 'Globex', firstName: 'Hank', lastName: 'Scorpio', email: 'hank@globex.example', password: 'volcano-lair-42' },
    });
    expect(response.status).toBe(201);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/switchboard_session=\w{48}/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const body = await json(response);
    expect(body.user).toMatchObject({ email: 'hank@globex.example', role: 'admin', companyId: body.company.id });
    expect(body.user.passwordHash).toBeUndefined();
    const me = await t.call('GET', '/users/me', { cookie: cookie.split(';')[0] });
    expect(me.status).toBe(200);
    expect((await json(me)).id).toBe(body.user.id);
  });

  it('logs in, logs out, and the old cookie stops working', async () => {
    const tenant = await t.signup();
    const login = await t.call('POST', '/auth/login', { body: { email: tenant.email.toUpperCase(), password: tenant.password } });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await t.call('GET', '/users/me', { cookie })).status).toBe(200);
    expect((await t.call('POST', '/auth/logout', { cookie })).status).toBe(204);
    const after = await t.call('GET', '/users/me', { cookie });
    expect(after.status).toBe(401);
    expect((await json(after)).error.code).toBe('unauthorized');
  });

  it('does not reveal whether an email exists', async () => {
    const tenant = await t.signup();
    const wrongPassword = await t.call('POST', '/auth/login', { body: { email: tenant.email, password: 'not the password' } });
    const unknownEmail = await t.call('POST', '/auth/login', { body: { email: 'nobody@example.com', password: 'not the password' } });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(await json(wrongPassword)).toEqual(await json(unknownEmail));
  });

  it('slows repeated failures for one email with 429 and Retry-After', async () => {
    const tenant = await t.signup();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await t.call('POST', '/auth/login', { body: { email: tenant.email, password: `wrong-${i}-password` } })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const blocked = await t.call('POST', '/auth/login', { body: { email: tenant.email, password: tenant.password } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses a second sign-up with the same email (any case) with 409', async () => {
    const tenant = await t.signup();
    const again = await t.call('POST', '/auth/signup', {
      body: { companyName: 'Other', firstName: 'A', lastName: 'B', email: tenant.email.toUpperCase(), password: 'another-password' },
    });
    expect(again.status).toBe(409);
    expect((await json(again)).error).toMatchObject({ code: 'conflict', field: 'email' });
  });
});

describe('bad input never becomes a 500', () => {
  const valid = { companyName: 'Initech', firstName: 'Bill', lastName: 'Lumbergh', email: 'bill@initech.example', password: 'tps-reports-!' };
  it.each([
    ['malformed JSON', '{"companyName":', 400, /not valid JSON/],
    ['a wrong type', { ...valid, companyName: 42 }, 400, /^companyName: .*expected string/],
    ['a bad email', { ...valid, email: 'not-an-email' }, 400, /^email: must be an email address/],
    ['a short password', { ...valid, password: 'short' }, 400, /^password: must be at least 10 characters/],
    ['an unknown field', { ...valid, isAdmin: true }, 400, /unknown field "isAdmin"/],
    ['a missing field', { companyName: 'x' }, 400, /^firstName: /],
    ['an array body', [valid], 400, /expected object/],
  ])('%s', async (_name, body, status, message) => {
    const response = await t.call('POST', '/auth/signup', { body });
    expect(response.status).toBe(status);
    const error = (await json(response)).error;
    expect(error.code).toBe(typeof body === 'string' ? 'bad_request' : 'validation_error');
    expect(error.message).toMatch(message);
  });

  it('a body that is not JSON at all is refused', async () => {
    const response = await t.call('POST', '/auth/signup', { body: 'companyName=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(415);
    expect((await json(response)).error).toMatchObject({ code: 'unsupported_media_type', message: expect.stringMatching(/must be application\/json/) });
  });

  it('an oversize body gets 413', async () => {
    const response = await t.call('POST', '/auth/signup', { body: { ...valid, companyName: 'x'.repeat(2 * 1024 * 1024) } });
    expect(response.status).toBe(413);
    expect((await json(response)).error.code).toBe('payload_too_large');
  });

  it('an unknown route gets a JSON 404', async () => {
    const response = await t.call('GET', '/nope');
    expect(response.status).toBe(404);
    expect((await json(response)).error.code).toBe('not_found');
  });

  it('a cookie-authenticated write from a foreign origin is refused', async () => {
    const tenant = await t.signup();
    const response = await t.call('POST', '/api-keys', { cookie: tenant.cookie, body: { name: 'x' }, headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
  });
});

describe('API keys', () => {
  it('creates a 64-character key shown once, lists it by name and start, and accepts both headers', async () => {
    const tenant = await t.signup();
    const created = await t.call('POST', '/api-keys', { cookie: tenant.cookie, body: { name: 'zapier' } });
    expect(created.status).toBe(201);
    const key = await json(created);
    expect(key.key).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(key.start).toBe(key.key.slice(0, 6));
    const list = await json(await t.call('GET', '/api-keys', { key: key.key }));
    const listed = list.items.find((k: any) => k.id === key.id);
    expect(listed).toMatchObject({ name: 'zapier', start: key.start });
    expect(JSON.stringify(list)).not.toContain(key.key);
    const bearer = await t.app.request('http://localhost/api/v1/users/me', { headers: { authorization: `Bearer ${key.key}` } });
    expect(bearer.status).toBe(200);
    expect((await json(bearer)).id).toBe(tenant.userId);
  });

  it('stores only a hash of the key', async () => {
    const tenant = await t.signup();
    const { rows } = await t.database.pool.query('SELECT key_hash FROM api_keys WHERE company_id = $1', [tenant.companyId]);
    expect(rows.length).toBe(1);
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].key_hash).not.toContain(tenant.key);
  });

  it('a revoked key answers 401, and so does a wrong one', async () => {
    const tenant = await t.signup();
    const created = await json(await t.call('POST', '/api-keys', { key: tenant.key, body: { name: 'temp' } }));
    expect((await t.call('GET', '/users/me', { key: created.key })).status).toBe(200);
    expect((await t.call('DELETE', `/api-keys/${created.id}`, { key: tenant.key })).status).toBe(204);
    const revoked = await t.call('GET', '/users/me', { key: created.key });
    expect(revoked.status).toBe(401);
    expect((await json(revoked)).error.message).toMatch(/invalid or has been revoked/);
    expect((await t.call('GET', '/users/me', { key: 'x'.repeat(64) })).status).toBe(401);
    // A wrong key is not rescued by a valid cookie.
    expect((await t.call('GET', '/users/me', { key: 'nope', cookie: tenant.cookie })).status).toBe(401);
  });

  it('refuses a nameless key', async () => {
    const tenant = await t.signup();
    const response = await t.call('POST', '/api-keys', { key: tenant.key, body: { name: '  ' } });
    expect(response.status).toBe(400);
    expect((await json(response)).error.message).toMatch(/^name: is required/);
  });
});

describe('roles', () => {
  async function withMember() {
    const admin = await t.signup();
    const email = `member-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
    const created = await t.call('POST', '/users', { key: admin.key, body: { email, firstName: 'Mem', lastName: 'Ber', role: 'member', password: 'member-password' } });
    expect(created.status).toBe(201);
    const member = await json(created);
    const login = await t.call('POST', '/auth/login', { body: { email, password: 'member-password' } });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const memberKey = await json(await t.call('POST', '/api-keys', { cookie, body: { name: 'mine' } }));
    return { admin, member, memberKey };
  }

  it('a member manages only their own keys and cannot manage users', async () => {
    const { admin, member, memberKey } = await withMember();
    const ownList = await json(await t.call('GET', '/api-keys', { key: memberKey.key }));
    expect(ownList.items.map((k: any) => k.userId)).toEqual([member.id]);
    const adminKeys = await json(await t.call('GET', '/api-keys', { key: admin.key }));
    const adminsOwnKey = adminKeys.items.find((k: any) => k.userId === admin.userId);
    expect((await t.call('DELETE', `/api-keys/${adminsOwnKey.id}`, { key: memberKey.key })).status).toBe(404);
    const addUser = await t.call('POST', '/users', { key: memberKey.key, body: { email: 'x@example.com', firstName: 'X', lastName: 'Y', role: 'admin', password: 'xxxxxxxxxxxx' } });
    expect(addUser.status).toBe(403);
    expect((await json(addUser)).error.message).toMatch(/only admins can add users/);
    expect((await t.call('PATCH', `/users/${member.id}`, { key: memberKey.key, body: { role: 'admin' } })).status).toBe(403);
    expect((await t.call('DELETE', `/users/${admin.userId}`, { key: memberKey.key })).status).toBe(403);
    expect((await t.call('GET', '/users', { key: memberKey.key })).status).toBe(200);
  });

  it('an admin lists and revokes anyone’s keys and manages users', async () => {
    const { admin, member, memberKey } = await withMember();
    const all = await json(await t.call('GET', '/api-keys', { key: admin.key }));
    expect(all.items.map((k: any) => k.userId).sort()).toEqual([admin.userId, member.id].sort());
    expect((await t.call('DELETE', `/api-keys/${memberKey.id}`, { key: admin.key })).status).toBe(204);
    expect((await t.call('GET', '/users/me', { key: memberKey.key })).status).toBe(401);
    const promoted = await t.call('PATCH', `/users/${member.id}`, { key: admin.key, body: { role: 'admin', firstName: 'Promoted' } });
    expect(await json(promoted)).toMatchObject({ role: 'admin', firstName: 'Promoted' });
    expect((await t.call('DELETE', `/users/${member.id}`, { key: admin.key })).status).toBe(204);
  });

  it('the last admin cannot be demoted or removed', async () => {
    const admin = await t.signup();
    const demote = await t.call('PATCH', `/users/${admin.userId}`, { key: admin.key, body: { role: 'member' } });
    expect(demote.status).toBe(409);
    expect((await json(demote)).error.message).toMatch(/at least one admin/);
    expect((await t.call('DELETE', `/users/${admin.userId}`, { key: admin.key })).status).toBe(409);
  });

  it('rejects a bad role naming what is allowed', async () => {
    const admin = await t.signup();
    const response = await t.call('POST', '/users', { key: admin.key, body: { email: 'r@example.com', firstName: 'R', lastName: 'R', role: 'owner', password: 'xxxxxxxxxxxx' } });
    expect(response.status).toBe(400);
    expect((await json(response)).error.message).toMatch(/^role: must be one of "admin", "member"/);
  });
});

describe('tenant isolation', () => {
  it('another company’s users and keys answer 404 exactly like unknown ids', async () => {
    const a = await t.signup({ companyName: 'A' });
    const b = await t.signup({ companyName: 'B' });
    const bKeys = await json(await t.call('GET', '/api-keys', { key: b.key }));
    const foreignUser = await t.call('GET', `/users/${b.userId}`, { key: a.key });
    const unknownUser = await t.call('GET', `/users/00000000-0000-4000-8000-000000000000`, { key: a.key });
    expect(foreignUser.status).toBe(404);
    expect(unknownUser.status).toBe(404);
    expect((await json(foreignUser)).error.code).toBe((await json(unknownUser)).error.code);
    expect((await t.call('PATCH', `/users/${b.userId}`, { key: a.key, body: { firstName: 'Hacked' } })).status).toBe(404);
    expect((await t.call('DELETE', `/users/${b.userId}`, { key: a.key })).status).toBe(404);
    expect((await t.call('DELETE', `/api-keys/${bKeys.items[0].id}`, { key: a.key })).status).toBe(404);
    const aUsers = await json(await t.call('GET', '/users', { key: a.key }));
    expect(aUsers.items.map((u: any) => u.companyId)).toEqual([a.companyId]);
    expect((await t.call('GET', '/users/me', { key: b.key })).status).toBe(200);
  });
});

describe('health and OpenAPI', () => {
  it('reports health without credentials', async () => {
    const response = await t.call('GET', '/health');
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ status: 'ok' });
  });

  it('serves an OpenAPI 3.1 document generated from the routes', async () => {
    const doc = await json(await t.call('GET', '/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/auth/signup', '/auth/login', '/api-keys', '/api-keys/{id}', '/users', '/users/{id}', '/users/me']));
    expect(doc.components.schemas.SignupInput.required).toEqual(expect.arrayContaining(['companyName', 'email', 'password']));
  });
});
