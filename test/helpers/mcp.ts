// The SDK's own MCP client over Streamable HTTP against a real listening server.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll } from 'vitest';

export interface McpSession {
  client: Client;
  /** Calls a tool and returns the raw result (structuredContent, content, isError). */
  call(name: string, args?: Record<string, unknown>): Promise<{ isError?: boolean; structuredContent?: any; text: string }>;
}

export async function connectMcp(baseUrl: string, key: string, header: 'x-api-key' | 'bearer' = 'x-api-key'): Promise<McpSession> {
  const headers: Record<string, string> = header === 'x-api-key' ? { 'x-api-key': key } : { authorization: `Bearer ${key}` };
  const client = new Client({ name: 'switchboard-tests', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/api/v1/mcp`), { requestInit: { headers } }));
  afterAll(() => client.close());
  return {
    client,
    async call(name, args = {}) {
      const result = await client.callTool({ name, arguments: args });
      const content = result.content as Array<{ type: string; text?: string }>;
      return { isError: result.isError as boolean | undefined, structuredContent: result.structuredContent, text: content.map((c) => c.text ?? '').join('') };
    },
  };
}
