// Request generators for one OpenAPI operation: its path ids, query parameters and JSON body from the
// operation's schemas with hostile values mixed in (rest-bodies), and everything around them that no schema
// describes — credentials, content types, malformed JSON, oversize headers, odd query strings (rest-transport).
import { fc } from '@fast-check/vitest';
import { hostileEncoded, hostileValue, percentEncode, toJsonText } from './hostile.js';
import { arbitraryFor, mutatedOnce, type JsonSchema } from './schema-arbitrary.js';
import type { FuzzTarget, Operation, SentRequest } from './target.js';

const uuid = fc.uuid({ version: 4 });

/** The path with each `{param}` filled: an existing row (not for DELETE, which would remove it), a fresh uuid, or hostile text. */
export function pathArbitrary(target: FuzzTarget, operation: Operation): fc.Arbitrary<string> {
  if (!operation.pathParams.length) return fc.constant(operation.path);
  const existing = operation.method === 'DELETE' ? undefined : target.existingIdFor(operation.path);
  const value = fc.oneof(
    ...(existing ? [{ weight: 4, arbitrary: fc.constant(existing) }] : []),
    { weight: 2, arbitrary: uuid },
    { weight: 1, arbitrary: hostileEncoded.filter((s) => s.length > 0) },
  );
  return fc.tuple(...operation.pathParams.map(() => value)).map((values) => {
    let path = operation.path;
    operation.pathParams.forEach((param, i) => (path = path.replace(`{${param.name}}`, values[i]!)));
    return path;
  });
}

function validQueryValue(target: FuzzTarget, name: string, schema: JsonSchema): fc.Arbitrary<string> {
  return arbitraryFor(schema, { root: target.document, ids: target.ids, idsOf: target.idsOf, hostility: 0, field: name }).map((v) => percentEncode(String(v)));
}

/** `?a=…&b=…` from the declared parameters, each absent, valid or hostile; sometimes an undeclared one too. */
export function queryArbitrary(target: FuzzTarget, operation: Operation, hostility: number): fc.Arbitrary<string> {
  const params = operation.queryParams.map((param) =>
    fc
      .option(fc.oneof({ weight: 4, arbitrary: validQueryValue(target, param.name, param.schema) }, { weight: hostility, arbitrary: hostileEncoded }), { freq: param.required ? 100 : 2 })
      .map((value) => (value === null ? null : `${encodeURIComponent(param.name)}=${value}`)),
  );
  const undeclared = fc.array(
    fc.tuple(fc.constantFrom('__proto__', 'constructor', '__proto__[polluted]', 'page[]', 'searchTerm[a]', 'toString', 'x', ''), hostileEncoded).map(([name, value]) => `${encodeURIComponent(name)}=${value}`),
    { maxLength: hostility ? 1 : 0 },
  );
  return fc.tuple(fc.tuple(...params), undeclared).map(([declared, extra]) => {
    const parts = [...declared.filter((p): p is string => p !== null), ...extra];
    return parts.length ? `?${parts.join('&')}` : '';
  });
}

/** The JSON body text: a valid body with one hostile change, the schema's shape with hostile nodes anywhere, or a wholly hostile value. */
export function bodyArbitrary(target: FuzzTarget, operation: Operation, hostility: number): fc.Arbitrary<string | undefined> {
  if (operation.method === 'GET') return fc.constant(undefined);
  if (!operation.body) return fc.option(hostileValue.map(toJsonText), { freq: 3, nil: undefined });
  const context = { root: target.document, ids: target.ids, idsOf: target.idsOf, hostility };
  return fc
    .oneof(
      { weight: 5, arbitrary: mutatedOnce(operation.body, context) },
      { weight: 3, arbitrary: arbitraryFor(operation.body, context) },
      { weight: 1, arbitrary: hostileValue },
    )
    .map(toJsonText);
}

/** Schema-driven bodies, ids and queries with hostile values, sent with the admin's key as JSON. */
export function schemaRequest(target: FuzzTarget, operation: Operation): fc.Arbitrary<SentRequest> {
  return fc.record({ path: pathArbitrary(target, operation), query: queryArbitrary(target, operation, 2), body: bodyArbitrary(target, operation, 2) }).map(({ path, query, body }) => ({
    operation: `${operation.method} ${operation.path}`,
    method: operation.method,
    url: path + query,
    headers: { 'x-api-key': target.admin.key, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body,
  }));
}

const latin1 = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength });

/** Credentials as a client might (mis)send them. Member keys reach the role checks. */
function credentialsArbitrary(target: FuzzTarget): fc.Arbitrary<Record<string, string>> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({ 'x-api-key': target.admin.key }) },
    { weight: 2, arbitrary: fc.constant({ 'x-api-key': target.memberKey }) },
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: latin1(300).map((key) => ({ 'x-api-key': key })) },
    { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer ', `Bearer ${target.admin.key} extra`, 'Basic Og==', `bearer ${target.admin.key}`, 'Bearer \u00ff\u00fe').map((value) => ({ authorization: value })) },
    // The admin's session cookie, as a browser sends it, with the Origin header a browser (or a sandboxed page) sets.
    { weight: 2, arbitrary: fc.constantFrom(undefined, 'null', 'http://localhost', 'https://evil.example', '').map((origin) => ({ cookie: target.admin.cookie, ...(origin !== undefined ? { origin } : {}) })) },
    { weight: 1, arbitrary: fc.constantFrom('switchboard_session=', 'switchboard_session=%00', 'switchboard_session=x; switchboard_session=y', '=;=;', 'a=b'.repeat(3000)).map((cookie) => ({ cookie })) },
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json;;;',
  'application/merge-patch+json',
  'application/jsonx',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=x',
  '*/*',
  'application/json, text/plain',
  `application/json; x=${'y'.repeat(10_000)}`,
];

const MALFORMED_JSON = ['', '{', '}', '{"a":}', '{"a" 1}', "{'a':1}", '[1,]', '{"a":1,}', 'NaN', 'undefined', '\u0000', '"\\ud800"', '{"a":"\\u0000"}', '\ufeff{}', '{}{}', '{"a":1}garbage', '"just a string"', '123', 'null', 'true', '[]', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"a":1,"a":2}', '{"a":"\\x41"}', '{"a":"\\uZZZZ"}', '\xff\xfe{', '[' .repeat(200_000) + ']'.repeat(200_000), '{"a":' + '1'.repeat(100_000) + '}'];

/** Big headers: the app must answer with a 4xx or ignore them, never fail. */
const oversizeHeaders = fc.oneof(
  fc.constant({}),
  fc.constantFrom(1_000, 16_385, 65_536, 1_048_576).map((size) => ({ 'x-padding': 'p'.repeat(size) })),
  fc.constantFrom(8_192, 70_000).map((size) => ({ 'accept-language': 'en;q=0.9,'.repeat(size / 10) })),
  fc.constant({ 'x-forwarded-for': '1.1.1.1, '.repeat(10_000) }),
  fc.constant({ origin: 'null' }),
  fc.constant({ 'content-length': '0' }),
);

const ODD_QUERIES = ['?', '?&&&', '?=x', '?page', '?page=1&page=2', '?pageSize=', '?%', '?a=%', '?%zz=1', '?__proto__[polluted]=1', '?constructor[prototype][polluted]=1', `?${'a=1&'.repeat(5_000)}`, `?searchTerm=${'%00'.repeat(100)}`, '?searchTerm=%C0%80', '?#frag', '?page=1;pageSize=2'];

/** Everything around the schema: credentials, content types, malformed JSON, oversize headers, odd queries. */
export function transportRequest(target: FuzzTarget, operation: Operation): fc.Arbitrary<SentRequest> {
  const takesBody = operation.method !== 'GET';
  const validBody = operation.body ? arbitraryFor(operation.body, { root: target.document, ids: target.ids, idsOf: target.idsOf, hostility: 0 }).map(toJsonText) : fc.constant('{}');
  return fc
    .record({
      path: pathArbitrary(target, operation),
      query: fc.oneof(queryArbitrary(target, operation, 1), fc.constantFrom(...ODD_QUERIES)),
      credentials: credentialsArbitrary(target),
      contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 6 }),
      body: takesBody ? fc.oneof({ weight: 2, arbitrary: validBody }, { weight: 3, arbitrary: fc.constantFrom(...MALFORMED_JSON) }, { weight: 1, arbitrary: fc.constant(undefined) }) : fc.constant(undefined),
      extra: oversizeHeaders,
    })
    .map(({ path, query, credentials, contentType, body, extra }) => ({
      operation: `${operation.method} ${operation.path} (transport)`,
      method: operation.method,
      url: path + query,
      headers: { ...extra, ...credentials, ...(contentType !== null ? { 'content-type': contentType } : {}) },
      body,
    }));
}
