// Every REST operation in the OpenAPI document, driven twice: with bodies, ids and query parameters generated
// from its own schemas with hostile values mixed in (NUL, lone surrogates, year 0000, 1e999, deep nesting,
// __proto__ keys, …), and with what no schema describes (wrong or missing credentials, wrong content types,
// malformed JSON, oversize headers, odd query strings). Each answer is a 2xx or a 4xx naming the field, never
// a 5xx, and a refusal writes nothing. New routes are covered without editing this file: the operations come
// from /api/v1/openapi.json.
import { test } from '@fast-check/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { schemaRequest, transportRequest } from './requests.js';
import { FUZZ_TEST_TIMEOUT_MS, fuzzParams, printOutcomes } from './settings.js';
import { createFuzzTarget, sendAndCheck, type SentRequest } from './target.js';

const target = await createFuzzTarget();
afterAll(printOutcomes);

describe('every REST operation, schema-driven hostile input', () => {
  it('finds the operations in the OpenAPI document', () => {
    expect(target.operations.length).toBeGreaterThan(50);
  });

  for (const operation of target.operations) {
    test.prop([schemaRequest(target, operation)], fuzzParams<[SentRequest]>(operation.body ? 20 : 10))(
      `${operation.method} ${operation.path}`,
      async (request) => {
        await sendAndCheck(target, request);
      },
      FUZZ_TEST_TIMEOUT_MS,
    );
  }
});

describe('every REST operation, hostile transport', () => {
  for (const operation of target.operations) {
    test.prop([transportRequest(target, operation)], fuzzParams<[SentRequest]>(8))(
      `${operation.method} ${operation.path}`,
      async (request) => {
        await sendAndCheck(target, request);
      },
      FUZZ_TEST_TIMEOUT_MS,
    );
  }
});

// The cases that answered 500 before the input guard, pinned so they stay fixed whatever the seed.
describe('known hostile inputs', () => {
  const cases: Array<{ method: string; url: string; body?: unknown; field?: string }> = [
    { method: 'GET', url: '/contacts?searchTerm=%00', field: 'searchTerm' },
    { method: 'POST', url: '/contacts', body: { firstName: 'Ada\u0000' }, field: 'firstName' },
    { method: 'POST', url: '/contacts', body: { lastName: '\ud800' }, field: 'lastName' },
    { method: 'POST', url: '/tasks', body: { name: 'T', dueDate: '0000-01-01' }, field: 'dueDate' },
    { method: 'GET', url: '/webhook-deliveries?from=0000-01-01T00:00:00Z', field: 'from' },
    { method: 'POST', url: '/organizations', body: { name: 'O', notes: { type: 'doc', content: [{ type: 'p', attrs: { 'k\u0000': 1 } }] } }, field: 'notes.content.0.attrs.k\\u0000' },
  ];
  // Found by `npm run fuzz` (seed 648787678): a service naming its deals wrote a deal–service link without a
  // quantity, breaking the table's CHECK. A new link starts at quantity 1; an existing one keeps its quantity.
  it('POST /services with dealIds → 201, and a PATCH naming the same deal keeps its quantity', async () => {
    const key = target.admin.key;
    const json = { 'x-api-key': key, 'content-type': 'application/json' };
    const [dealId] = target.idsOf('deal')!;
    const service = await sendAndCheck(target, { method: 'POST', url: '/services', headers: json, body: JSON.stringify({ name: 'S', amount: 2, dealIds: [dealId] }) });
    expect(service.status).toBe(201);
    const { id } = (await (await target.t.call('GET', `/services?pageSize=1`, { key })).json()).items[0];
    await target.t.call('PATCH', `/deals/${dealId}`, { key, body: { services: [{ serviceId: id, quantity: 3 }] } });
    const patched = await sendAndCheck(target, { method: 'PATCH', url: `/services/${id}`, headers: json, body: JSON.stringify({ dealIds: [dealId] }) });
    expect(patched.status).toBe(200);
    const deal = await (await target.t.call('GET', `/deals/${dealId}`, { key })).json();
    expect(deal.services).toContainEqual({ serviceId: id, quantity: 3 });
  });

  for (const c of cases) {
    it(`${c.method} ${c.url} ${c.body ? JSON.stringify(c.body) : ''} → 400 naming ${c.field}`, async () => {
      const response = await sendAndCheck(target, {
        method: c.method,
        url: c.url,
        headers: { 'x-api-key': target.admin.key, ...(c.body ? { 'content-type': 'application/json' } : {}) },
        body: c.body ? JSON.stringify(c.body) : undefined,
      });
      expect(response.status).toBe(400);
    });
  }
});


describe('paths no route matches', () => {
  // `%2e%2e` is `..` to the URL parser: /users/%2e%2e resolves to /api/v1/, which only the outer app sees.
  it.each([
    ['PATCH', '/users/%2e%2e'],
    ['DELETE', '/contacts/%2e%2e'],
    ['POST', '/'],
    ['PUT', '/contacts'],
    ['DELETE', '/no-such-route'],
  ])('%s %s → 404 with the error shape', async (method, url) => {
    const response = await sendAndCheck(target, { method, url, headers: { 'x-api-key': target.admin.key, 'content-type': 'application/json' }, body: method === 'DELETE' ? undefined : '{}' });
    expect(response.status).toBe(404);
  });
});
