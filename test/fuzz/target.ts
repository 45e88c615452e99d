// What the REST fuzz properties run against: an in-process app on its own database with one company, a
// member, one row of every kind (so generated ids and updates reach real rows), the operations read from the
// app's own OpenAPI document, and the one assertion every response must pass.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { EVENT_NAMES } from '../../src/events/catalog.js';
import { createTestApp, type TestApp, type Tenant } from '../helpers/app.js';
import { FingerprintTracker } from './fingerprint.js';
import { preview } from './hostile.js';
import { recordOutcome } from './settings.js';
import type { JsonSchema } from './schema-arbitrary.js';

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. /contacts/{id} */
  path: string;
  pathParams: Array<{ name: string; schema: JsonSchema }>;
  queryParams: Array<{ name: string; schema: JsonSchema; required: boolean }>;
  /** The application/json request body schema, if the operation takes one. */
  body?: JsonSchema;
}

export interface FuzzTarget {
  t: TestApp;
  admin: Tenant;
  memberKey: string;
  document: JsonSchema;
  operations: Operation[];
  /** Every fixture id, for uuid fields. */
  ids: string[];
  /** The database fingerprint around each request (see ./fingerprint.ts). */
  fingerprints: FingerprintTracker;
  /** Existing ids of a kind named by a field (`organization` for organizationIds, `user`, `column`, …). */
  idsOf(kind: string): string[] | undefined;
  /** An existing row for a path's `{id}`, by the path's first segment (none for api-keys: the key in use). */
  existingIdFor(path: string): string | undefined;
}

export function listOperations(document: JsonSchema): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<JsonSchema>(document.paths ?? {})) {
    for (const [method, operation] of Object.entries<JsonSchema>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const parameters: JsonSchema[] = [...(item.parameters ?? []), ...(operation.parameters ?? [])];
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {}, required: p.required === true })),
        body: operation.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return operations;
}

async function created(response: Response, what: string): Promise<any> {
  if (response.status !== 201) throw new Error(`fixture ${what} not created: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function createFuzzTarget(): Promise<FuzzTarget> {
  const t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32' });
  const admin = await t.signup({ companyName: 'Fuzz Co' });
  const key = admin.key;
  const memberEmail = `member-${randomUUID()}@example.com`;
  const member = await created(await t.call('POST', '/users', { key, body: { email: memberEmail, firstName: 'Mo', lastName: 'Member', role: 'member', password: 'member-password' } }), 'member');
  const login = await t.call('POST', '/auth/login', { body: { email: memberEmail, password: 'member-password' } });
  const memberCookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const memberKey = ((await created(await t.call('POST', '/api-keys', { cookie: memberCookie, body: { name: 'member' } }), 'member key')) as { key: string }).key;
  // A webhook on every event first, so the records below leave deliveries to read and resend.
  const webhook = await created(await t.call('POST', '/webhooks', { key, body: { url: 'https://127.0.0.1:9/fuzz', events: EVENT_NAMES, secret: 'fuzz-secret-123' } }), 'webhook');
  const column = await created(await t.call('POST', '/custom-columns', { key, body: { entityType: 'contact', name: 'Fuzz', type: 'text' } }), 'column');
  const organization = await created(await t.call('POST', '/organizations', { key, body: { name: 'Org' } }), 'organization');
  const contact = await created(await t.call('POST', '/contacts', { key, body: { firstName: 'Ada', organizationIds: [organization.id], customFieldValues: [{ columnId: column.id, value: 'x' }] } }), 'contact');
  const service = await created(await t.call('POST', '/services', { key, body: { name: 'Svc', amount: 10 } }), 'service');
  const deal = await created(await t.call('POST', '/deals', { key, body: { name: 'Deal', contactIds: [contact.id], services: [{ serviceId: service.id, quantity: 2 }] } }), 'deal');
  const task = await created(await t.call('POST', '/tasks', { key, body: { name: 'Task', dueDate: '2026-04-22', dealIds: [deal.id] } }), 'task');
  const deliveries = (await (await t.call('GET', '/webhook-deliveries', { key })).json()) as { items: Array<{ id: string }> };
  const delivery = deliveries.items[0];
  if (!delivery) throw new Error('fixture delivery missing');
  const document = (await (await t.call('GET', '/openapi.json', { key })).json()) as JsonSchema;

  const bySegment: Record<string, string> = {
    users: member.id,
    webhooks: webhook.id,
    'webhook-deliveries': delivery.id,
    'custom-columns': column.id,
    contacts: contact.id,
    organizations: organization.id,
    deals: deal.id,
    services: service.id,
    tasks: task.id,
  };
  const byKind: Record<string, string[]> = {
    user: [admin.userId, member.id],
    webhook: [webhook.id],
    delivery: [delivery.id],
    column: [column.id],
    contact: [contact.id],
    organization: [organization.id],
    deal: [deal.id],
    service: [service.id],
    task: [task.id],
  };
  return {
    t,
    admin,
    memberKey,
    document,
    operations: listOperations(document),
    ids: [...Object.values(bySegment), admin.userId, admin.companyId],
    idsOf: (kind) => byKind[kind],
    fingerprints: new FingerprintTracker(t.ctx.pool),
    existingIdFor: (path) => bySegment[path.split('/')[1] ?? ''],
  };
}

export interface SentRequest {
  /** The operation it exercises, e.g. "PATCH /contacts/{id}" (for the outcome tally). */
  operation?: string;
  method: string;
  /** Path and query under /api/v1. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** The wording of PostgreSQL data errors mapped to 400 in src/errors.ts: no field named, so validation should come first. */
export const STORED_BY_DATABASE = /can be stored|cannot be stored|nested too deeply to store/;

export function describeRequest(request: SentRequest): string {
  const headers = Object.entries(request.headers).map(([k, v]) => `${k}: ${preview(v, 120)}`).join('; ');
  return `${request.method} /api/v1${preview(request.url, 300)} [${headers}]${request.body !== undefined ? ` body ${preview(request.body)}` : ''}`;
}

/**
 * Sends the request and checks the answer: a 2xx, or a 4xx `{"error":{"code","message"}}` naming the field
 * when its message does; never a 5xx; the database unchanged after any refusal.
 */
export async function sendAndCheck(target: FuzzTarget, request: SentRequest): Promise<Response> {
  const before = await target.fingerprints.before();
  const response = await target.t.app.request(`http://localhost/api/v1${request.url}`, { method: request.method, headers: request.headers, body: request.body });
  const text = await response.text();
  recordOutcome(request.operation ?? `${request.method} ${request.url.split('?')[0]}`, String(response.status));
  const what = () => `${describeRequest(request)} → ${response.status} ${preview(text, 400)}`;
  expect(response.status, what()).toBeLessThan(500);
  if (response.status >= 400) {
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      expect.fail(`a refusal that is not JSON: ${what()}`);
    }
    expect(typeof body?.error?.code, what()).toBe('string');
    expect(typeof body?.error?.message, what()).toBe('string');
    expect(body.error.message.length, what()).toBeGreaterThan(0);
    if (body.error.field !== undefined) expect(typeof body.error.field, what()).toBe('string');
    // A validation message that starts with a field path names that field in `field` too.
    const named = body.error.code === 'validation_error' ? /^([A-Za-z_$][\w$]*(?:\.[\w$]+)*): /.exec(body.error.message) : null;
    if (named) expect(body.error.field, what()).toBe(named[1]);
    // The database's own refusal (src/errors.ts, the last line of defence) means a value reached it unchecked.
    expect(body.error.message, `validation missed a value the database refused: ${what()}`).not.toMatch(STORED_BY_DATABASE);
    const change = await target.fingerprints.changeSince(before);
    if (change) expect.fail(`a refused request changed the database (${change}): ${what()}`);
  }
  return response;
}
