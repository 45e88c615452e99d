// POST/GET/DELETE /api/v1/mcp: MCP over Streamable HTTP, stateless (a fresh server per request), so any API
// process can answer any request. Authentication is the API's own (x-api-key or Authorization: Bearer).
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import type { HttpEnv } from '../http/env.js';
import { errorResponse } from '../http/errors.js';
import { createMcpServer } from './server.js';

export function mcpRoutes() {
  const app = new Hono<HttpEnv>();
  app.all('/mcp', async (c) => {
    const principal = c.var.principal;
    if (!principal) return errorResponse(c, 401, 'unauthorized', 'send an API key as x-api-key or Authorization: Bearer');
    if (c.req.method !== 'POST') {
      // Stateless: no server-initiated stream to resume and no session to delete.
      c.header('Allow', 'POST');
      return errorResponse(c, 405, 'method_not_allowed', 'this MCP endpoint is stateless; send JSON-RPC requests with POST');
    }
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    const server = createMcpServer(c.var.ctx, principal);
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      void server.close();
    }
  });
  return app;
}
