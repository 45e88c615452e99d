// `npm run mcp` as an MCP client launches it: stdio in, the running server's tools out.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/db.js';
import { childEnv, ROOT, startServerProcess } from '../helpers/server-process.js';

const database = await createTestDatabase();
const server = await startServerProcess({ DATABASE_URL: database.url, SECRET_KEY: TEST_SECRET_KEY }, ['--role', 'api']);
afterAll(() => server.stop());

it('npm run mcp relays tools/list and tool calls to the server with the key’s identity', async () => {
  const signup = await fetch(`${server.url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ companyName: 'Stdio Co', firstName: 'S', lastName: 'T', email: 'stdio@example.com', password: 'stdio-password' }),
  });
  const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;
  const { key } = (await (await fetch(`${server.url}/api/v1/api-keys`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'stdio' }) })).json()) as { key: string };

  const stderr: string[] = [];
  const transport = new StdioClientTransport({
    command: 'npm',
    args: ['run', 'mcp'],
    cwd: ROOT,
    env: childEnv({ SWITCHBOARD_URL: server.url, SWITCHBOARD_API_KEY: key }) as Record<string, string>,
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk) => stderr.push(String(chunk)));
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('create_webhook');
    const created = await client.callTool({ name: 'create_contacts', arguments: { contacts: [{ firstName: 'Via', lastName: 'Stdio' }] } });
    expect(created.isError).toBeFalsy();
    const contact = (created.structuredContent as any).contacts[0];
    const fetched = await fetch(`${server.url}/api/v1/contacts/${contact.id}`, { headers: { 'x-api-key': key } });
    expect(((await fetched.json()) as any).lastName).toBe('Stdio');
    const failed = await client.callTool({ name: 'create_webhook', arguments: { url: 'http://insecure.example.com', events: ['contact.created'] } });
    expect(failed.isError).toBe(true);
  } finally {
    await client.close();
  }
  expect(stderr.join('')).not.toMatch(/cannot reach/);
});
