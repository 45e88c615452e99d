// Webhook subscriptions over REST: URL rules, events, secrets at rest and their reveal, roles and tenants.
import { describe, expect, it } from 'vitest';
import { createTestApp, type Tenant } from '../helpers/app.js';
import { createWebhook as createWebhookCommand } from '../../src/webhooks/webhooks.js';

const t = await createTestApp();
const json = (response: Response): Promise<any> => response.json();
const valid = { url: 'https://hooks.example.com/crm', events: ['contact.created', 'contact.updated', 'deal.updated'] };

async function member(admin: Tenant) {
  const email = `member-${Math.random().toString(36).slice(2)}@example.com`;
  await t.call('POST', '/users', { key: admin.key, body: { email, firstName: 'M', lastName: 'M', role: 'member', password: 'member-password' } });
  const login = await t.call('POST', '/auth/login', { body: { email, password: 'member-password' } });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  return (await json(await t.call('POST', '/api-keys', { cookie, body: { name: 'm' } }))).key as string;
}

describe('creating and changing webhooks', () => {
  it('creates with the brief’s example, lists with hasSecret and never the secret', async () => {
    const admin = await t.signup();
    const response = await t.call('POST', '/webhooks', { key: admin.key, body: { ...valid, secret: 'use-a-random-string-from-a-password-manager', enabled: true } });
    expect(response.status).toBe(201);
    const hook = await json(response);
    expect(hook).toMatchObject({ url: valid.url, events: valid.events, description: null, enabled: true, hasSecret: true });
    expect(hook.secret).toBeUndefined();
    expect(Object.keys(hook).sort()).toEqual(['createdAt', 'description', 'disabledAt', 'disabledReason', 'enabled', 'events', 'filter', 'hasSecret', 'headerNames', 'id', 'lastDelivery', 'ordering', 'previousSecretExpiresAt', 'retryPolicy', 'successRate24h', 'updatedAt', 'url']);
    const list = await t.call('GET', '/webhooks', { key: admin.key });
    expect(await list.clone().text()).not.toContain('password-manager');
    expect((await json(list)).items).toEqual([hook]);
    expect(await json(await t.call('GET', `/webhooks/${hook.id}`, { key: admin.key }))).toEqual(hook);
  });

  it('stores the secret encrypted (AES-256-GCM), and only the reveal route returns it', async () => {
    const admin = await t.signup();
    const secret = 'a-very-secret-signing-key';
    const hook = await json(await t.call('POST', '/webhooks', { key: admin.key, body: { ...valid, secret } }));
    const { rows } = await t.database.pool.query('SELECT secret_ciphertext FROM webhooks WHERE id = $1', [hook.id]);
    const stored: Buffer = rows[0].secret_ciphertext;
    expect(stored.length).toBe(1 + 12 + 16 + secret.length);
    expect(stored.toString('latin1')).not.toContain(secret);
    const revealed = await t.call('POST', `/webhooks/${hook.id}/secret/reveal`, { key: admin.key });
    expect(revealed.status).toBe(200);
    expect(await json(revealed)).toMatchObject({ id: hook.id, secret, hasSecret: true });
    // A ciphertext moved onto another webhook does not decrypt (the id is bound as associated data).
    const other = await json(await t.call('POST', '/webhooks', { key: admin.key, body: { ...valid, secret: 'another-secret-value' } }));
    await t.database.pool.query('UPDATE webhooks SET secret_ciphertext = $1 WHERE id = $2', [stored, other.id]);
    expect((await t.call('POST', `/webhooks/${other.id}/secret/reveal`, { key: admin.key })).status).toBe(500);
  });

  it('PATCH changes fields; secret null removes it; description null clears it', async () => {
    const admin = await t.signup();
    const hook = await json(await t.call('POST', '/webhooks', { key: admin.key, body: { ...valid, secret: 'secret-number-one', description: 'CRM sync' } }));
    const patched = await json(await t.call('PATCH', `/webhooks/${hook.id}`, { key: admin.key, body: { events: ['task.done'.replace('done', 'deleted')], enabled: false, description: null } }));
    expect(patched).toMatchObject({ events: ['task.deleted'], enabled: false, description: null, hasSecret: true, url: valid.url });
    const cleared = await json(await t.call('PATCH', `/webhooks/${hook.id}`, { key: admin.key, body: { secret: null } }));
    expect(cleared.hasSecret).toBe(false);
    expect(await json(await t.call('POST', `/webhooks/${hook.id}/secret/reveal`, { key: admin.key }))).toMatchObject({ secret: null });
    const badUrl = await t.call('PATCH', `/webhooks/${hook.id}`, { key: admin.key, body: { url: 'http://hooks.example.com/' } });
    expect(badUrl.status).toBe(400);
  });

  it('searches by url and description', async () => {
    const admin = await t.signup();
    await json(await t.call('POST', '/webhooks', { key: admin.key, body: { ...valid, url: 'https://a.example.com/x', description: 'Billing sync' } }));
    await json(await t.call('POST', '/webhooks', { key: admin.key, body: { ...valid, url: 'https://zapier.example.net/hook' } }));
    const byUrl = await json(await t.call('GET', '/webhooks?searchTerm=ZAPIER', { key: admin.key }));
    expect(byUrl.items.map((h: any) => h.url)).toEqual(['https://zapier.example.net/hook']);
    const byDescription = await json(await t.call('GET', '/webhooks?searchTerm=billing', { key: admin.key }));
    expect(byDescription.items.map((h: any) => h.url)).toEqual(['https://a.example.com/x']);
    expect((await json(await t.call('GET', '/webhooks?searchTerm=%25', { key: admin.key }))).items).toEqual([]);
  });
});

describe('URL and event rules', () => {
  it.each([
    ['http is rejected, saying HTTPS is required', { url: 'http://hooks.example.com/' }, /^url: must use HTTPS/],
    ['another scheme', { url: 'ftp://hooks.example.com/' }, /^url: must use HTTPS .*"ftp"/],
    ['not a URL', { url: 'hooks.example.com/crm' }, /^url: .*is not an absolute URL/],
    ['user-info', { url: 'https://user:pass@hooks.example.com/' }, /^url: must not contain a user name or password/],
    ['too long', { url: `https://hooks.example.com/${'a'.repeat(2100)}` }, /^url: must be at most 2048 characters/],
    ['loopback', { url: 'https://127.0.0.1/' }, /^url: points to 127\.0\.0\.1.*loopback/],
    ['hex loopback', { url: 'https://0x7f.1/' }, /^url: points to 127\.0\.0\.1/],
    ['integer loopback', { url: 'https://2130706433/' }, /^url: points to 127\.0\.0\.1/],
    ['IPv4-mapped loopback', { url: 'https://[::ffff:127.0.0.1]/' }, /^url: points to ::ffff:7f00:1.*loopback/],
    ['cloud metadata', { url: 'https://169.254.169.254/latest/' }, /link-local/],
    ['private network', { url: 'https://10.0.0.8/' }, /private/],
    ['localhost', { url: 'https://localhost:8443/' }, /^url: host "localhost" is an internal host name/],
    ['a *.internal name', { url: 'https://db.corp.internal/' }, /internal/],
    ['no events', { events: [] }, /^events: must list at least one event/],
    ['an unknown event', { events: ['contact.created', 'contact.merged'] }, /^events\.1: "contact\.merged" is not an event; allowed: contact\.created/],
    // An object whose toString is not a function cannot be made a string: the message names its kind instead.
    ['an object for an event', { events: [{ toString: 1 }, 'contact.created'] }, /^events\.0: an object is not an event; allowed: contact\.created/],
    ['a duplicate event', { events: ['deal.updated', 'deal.updated'] }, /^events\.1: "deal\.updated" is listed more than once/],
    ['a long description', { description: 'x'.repeat(501) }, /^description: must be at most 500 characters/],
    ['a short secret', { secret: 'short' }, /^secret: must be at least 8 characters/],
    ['an unknown field', { active: true }, /unknown field "active"/],
  ])('%s', async (_name, change, message) => {
    const admin = await t.signup();
    const response = await t.call('POST', '/webhooks', { key: admin.key, body: { ...valid, ...change } });
    expect(response.status).toBe(400);
    const error = (await json(response)).error;
    expect(error.code).toBe('validation_error');
    expect(error.message).toMatch(message);
  });

  it('all fifteen events at once are fine; the command validates like the route', async () => {
    const admin = await t.signup();
    const all = ['contact', 'organization', 'deal', 'service', 'task'].flatMap((x) => ['created', 'updated', 'deleted'].map((a) => `${x}.${a}`));
    expect((await t.call('POST', '/webhooks', { key: admin.key, body: { ...valid, events: all } })).status).toBe(201);
    const principal = { userId: admin.userId, companyId: admin.companyId, role: 'admin' as const, via: 'system' as const };
    await expect(createWebhookCommand(t.ctx, principal, { url: 'http://x.example.com', events: ['contact.created'] })).rejects.toThrow(/^url: must use HTTPS/);
    await expect(createWebhookCommand(t.ctx, principal, { url: valid.url, events: ['nope'] as never })).rejects.toThrow(/is not an event/);
  });

  it('save-time DNS: a name resolving only to blocked addresses is refused; WEBHOOK_ALLOW_PRIVATE admits it', async () => {
    const admin = await t.signup();
    const principal = { userId: admin.userId, companyId: admin.companyId, role: 'admin' as const, via: 'system' as const };
    const resolve = async () => [{ address: '10.1.2.3', family: 4 }, { address: '::1', family: 6 }];
    await expect(createWebhookCommand(t.ctx, principal, { ...valid, url: 'https://rebind.example.com/' } as never, { resolve })).rejects.toThrow(/^url: host rebind\.example\.com resolves to a private address(?![^]*(10\.1\.2\.3|::1))/);
    const mixed = async () => [{ address: '10.1.2.3', family: 4 }, { address: '93.184.216.34', family: 4 }];
    await expect(createWebhookCommand(t.ctx, principal, { ...valid, url: 'https://mixed.example.com/' } as never, { resolve: mixed })).resolves.toMatchObject({ url: 'https://mixed.example.com/' });
    const allowing = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: '10.0.0.0/8,::1/128' });
    const other = await allowing.signup();
    const otherPrincipal = { userId: other.userId, companyId: other.companyId, role: 'admin' as const, via: 'system' as const };
    await expect(createWebhookCommand(allowing.ctx, otherPrincipal, { ...valid, url: 'https://rebind.example.com/' } as never, { resolve })).resolves.toMatchObject({ url: 'https://rebind.example.com/' });
  });
});

describe('roles and tenants', () => {
  it('members read webhooks but cannot change them or reveal secrets', async () => {
    const admin = await t.signup();
    const memberKey = await member(admin);
    const hook = await json(await t.call('POST', '/webhooks', { key: admin.key, body: { ...valid, secret: 'secret-for-admins' } }));
    expect((await t.call('GET', '/webhooks', { key: memberKey })).status).toBe(200);
    expect((await t.call('GET', `/webhooks/${hook.id}`, { key: memberKey })).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/webhooks', valid],
      ['PATCH', `/webhooks/${hook.id}`, { enabled: false }],
      ['DELETE', `/webhooks/${hook.id}`, undefined],
      ['POST', `/webhooks/${hook.id}/secret/reveal`, undefined],
    ] as const) {
      const response = await t.call(method, path, { key: memberKey, body });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect((await json(response)).error.message).toMatch(/only admins can/);
    }
  });

  it('another company’s webhook answers 404 everywhere, like an unknown id', async () => {
    const a = await t.signup();
    const b = await t.signup();
    const hook = await json(await t.call('POST', '/webhooks', { key: b.key, body: valid }));
    for (const [method, path, body] of [
      ['GET', `/webhooks/${hook.id}`, undefined],
      ['PATCH', `/webhooks/${hook.id}`, { enabled: false }],
      ['DELETE', `/webhooks/${hook.id}`, undefined],
      ['POST', `/webhooks/${hook.id}/secret/reveal`, undefined],
      ['GET', '/webhooks/00000000-0000-4000-8000-000000000000', undefined],
    ] as const) {
      expect((await t.call(method, path, { key: a.key, body })).status, `${method} ${path}`).toBe(404);
    }
    expect((await json(await t.call('GET', '/webhooks', { key: a.key }))).items).toEqual([]);
    expect((await json(await t.call('GET', `/webhooks/${hook.id}`, { key: b.key }))).enabled).toBe(true);
  });

  it('requires credentials', async () => {
    expect((await t.call('GET', '/webhooks')).status).toBe(401);
  });
});

describe('OpenAPI', () => {
  it('documents the webhook and delivery routes with their schemas', async () => {
    const document = await json(await t.call('GET', '/openapi.json'));
    for (const path of ['/webhooks', '/webhooks/{id}', '/webhooks/{id}/secret/reveal', '/webhook-deliveries', '/webhook-deliveries/{id}', '/webhook-deliveries/{id}/resend']) {
      expect(document.paths[path], path).toBeDefined();
    }
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['Webhook', 'WebhookWithSecret', 'WebhookDelivery', 'WebhookDeliveryDetail', 'WebhookDeliveryPage']));
    expect(document.components.schemas.Webhook.properties.secret).toBeUndefined();
    expect(document.paths['/webhook-deliveries/{id}/resend'].post.responses['201']).toBeDefined();
  });
});
