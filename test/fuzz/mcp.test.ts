// Every MCP tool in tools/list, called through the SDK's own client with arguments generated from the tool's
// published input schema and hostile values mixed in; and the MCP endpoint itself sent hostile JSON-RPC.
// A call answers a result or isError with a message, never a protocol-level failure, and a refusal writes
// nothing. Tools added later are covered without editing this file.
import { test } from '@fast-check/vitest';
import { fc } from '@fast-check/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { listen } from '../helpers/http-server.js';
import { connectMcp } from '../helpers/mcp.js';
import { describeChange, fingerprint } from './fingerprint.js';
import { hostileKeys, hostileValue, objectOf, preview, Raw, toJsonText, toJsValue } from './hostile.js';
import { arbitraryFor, mutatedOnce, type JsonSchema } from './schema-arbitrary.js';
import { FUZZ_TEST_TIMEOUT_MS, fuzzParams, printOutcomes, recordOutcome } from './settings.js';
import { createFuzzTarget, STORED_BY_DATABASE } from './target.js';

const target = await createFuzzTarget();
const baseUrl = await listen(target.t);
const mcp = await connectMcp(baseUrl, target.admin.key);
const { tools } = await mcp.client.listTools();
afterAll(printOutcomes);

/** Tool arguments: valid ones with one hostile change, the schema's shape with hostile nodes, or hostile keys. Always an object (MCP requires it). */
function argumentsFor(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .oneof(
      { weight: 5, arbitrary: mutatedOnce(schema, { root: schema, ids: target.ids, idsOf: target.idsOf, hostility: 2 }) },
      { weight: 3, arbitrary: arbitraryFor(schema, { root: schema, ids: target.ids, idsOf: target.idsOf, hostility: 2 }) },
      { weight: 1, arbitrary: hostileKeys },
    )
    .map((value) => toJsValue(value))
    .map((value) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : objectOf([['value', value]])));
}

describe('every MCP tool, schema-driven hostile arguments', () => {
  it('lists the tools', () => {
    expect(tools.length).toBeGreaterThan(20);
  });

  for (const tool of tools) {
    test.prop([argumentsFor(tool.inputSchema as JsonSchema)], fuzzParams<[Record<string, unknown>]>(16))(
      tool.name,
      async (args) => {
        const before = await target.fingerprints.before();
        const what = () => `${tool.name} ${preview(args)}`;
        let result: Awaited<ReturnType<typeof mcp.call>>;
        try {
          result = await mcp.call(tool.name, args);
        } catch (error) {
          expect.fail(`protocol-level failure (${(error as Error).message}): ${what()}`);
        }
        recordOutcome(tool.name, result.isError ? `error:${result.text.replace(/^[\w.]+: /, '').slice(0, 40)}` : 'ok');
        if (result.isError) {
          expect(result.text.length, what()).toBeGreaterThan(0);
          expect(result.text, what()).not.toMatch(/^internal error/);
          expect(result.text, `validation missed a value the database refused: ${what()}`).not.toMatch(STORED_BY_DATABASE);
          const change = await target.fingerprints.changeSince(before);
          if (change) expect.fail(`a refused call changed the database (${change}): ${what()} → ${result.text}`);
        } else {
          expect(result.structuredContent, what()).toBeTypeOf('object');
        }
      },
      FUZZ_TEST_TIMEOUT_MS,
    );
  }
});

const toolName = fc.oneof(fc.constantFrom(...tools.map((tool) => tool.name)), fc.constantFrom('', '__proto__', 'constructor', 'x\u0000', 'a'.repeat(10_000)));

/** JSON-RPC bodies no client would send: malformed, batched, wrong types, hostile tool arguments as raw JSON. */
const rawMessage = fc.oneof(
  fc.constantFrom('', '{', 'null', '[]', '[{}]', '"x"', '{"jsonrpc":"2.0"}', '{"jsonrpc":"1.0","id":1,"method":"tools/list"}', '{"jsonrpc":"2.0","id":{},"method":"tools/list"}', '{"jsonrpc":"2.0","id":1,"method":"__proto__"}', '{"jsonrpc":"2.0","id":1,"method":"tools/call"}', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":null}', `[${'{"jsonrpc":"2.0","id":1,"method":"tools/list"},'.repeat(200)}{}]`),
  fc.record({ id: fc.oneof(fc.integer(), fc.constantFrom<unknown>(null, 'x', new Raw('1e999', null), -1)), name: toolName, args: fc.oneof(hostileValue, hostileKeys) }).map(({ id, name, args }) => toJsonText(objectOf([['jsonrpc', '2.0'], ['id', id], ['method', 'tools/call'], ['params', objectOf([['name', name], ['arguments', args]])]]))),
  fc.record({ method: fc.constantFrom('initialize', 'tools/list', 'ping', 'resources/list', 'prompts/get', 'notifications/initialized', 'x'), params: hostileValue }).map(({ method, params }) => toJsonText(objectOf([['jsonrpc', '2.0'], ['id', 1], ['method', method], ['params', params]]))),
);

describe('the MCP endpoint, hostile JSON-RPC', () => {
  test.prop([rawMessage, fc.constantFrom<string>('application/json', 'text/plain', 'application/json; charset=utf-16'), fc.constantFrom<string>('application/json, text/event-stream', 'application/json', '*/*')], fuzzParams<[string, string, string]>(60))(
    'POST /api/v1/mcp',
    async (body, contentType, accept) => {
      const before = await target.fingerprints.before();
      const response = await target.t.app.request('http://localhost/api/v1/mcp', { method: 'POST', headers: { 'x-api-key': target.admin.key, 'content-type': contentType, accept }, body });
      const text = await response.text();
      const what = () => `POST /api/v1/mcp [${contentType}; accept ${accept}] ${preview(body)} → ${response.status} ${preview(text, 400)}`;
      expect(response.status, what()).toBeLessThan(500);
      // A tool call that fails is a JSON-RPC result with isError and a message, not an internal error.
      expect(text, what()).not.toMatch(/internal error; the server log/);
      if (response.status >= 400 || /"isError":true/.test(text)) {
        const change = await target.fingerprints.changeSince(before);
        if (change) expect.fail(`a refused call changed the database (${change}): ${what()}`);
      }
    },
    FUZZ_TEST_TIMEOUT_MS,
  );
});

// Inputs that failed as internal errors before the input guard, pinned whatever the seed.
describe('known hostile tool arguments', () => {
  const cases: Array<{ tool: string; args: Record<string, unknown>; field: string }> = [
    { tool: 'create_contacts', args: { contacts: [{ firstName: 'Ada\u0000' }] }, field: 'contacts.0.firstName' },
    { tool: 'create_tasks', args: { tasks: [{ name: 'T', dueDate: '0000-01-01' }] }, field: 'tasks.0.dueDate' },
    { tool: 'filter_entity', args: { entity: 'contact', searchTerm: '\u0000' }, field: 'searchTerm' },
    { tool: 'list_webhook_deliveries', args: { from: '0000-01-01T00:00:00Z' }, field: 'from' },
    { tool: 'create_organizations', args: { organizations: [{ name: 'O', notes: { type: 'doc', attrs: { x: '\ud800' } } }] }, field: 'organizations.0.notes.attrs.x' },
  ];
  for (const c of cases) {
    it(`${c.tool} ${preview(c.args)} → isError naming ${c.field}`, async () => {
      const before = await fingerprint(target.t.ctx.pool);
      const result = await mcp.call(c.tool, c.args);
      expect(result.isError).toBe(true);
      expect(result.text.startsWith(`${c.field}: `), result.text).toBe(true);
      expect(await fingerprint(target.t.ctx.pool)).toBe(before);
    });
  }
});
