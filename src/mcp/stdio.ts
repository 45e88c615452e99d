// `npm run mcp`: MCP over stdin/stdout for clients that launch a local command. It relays every JSON-RPC
// message to a running Switchboard (SWITCHBOARD_URL, default http://127.0.0.1:3000) with SWITCHBOARD_API_KEY,
// so the tools, validation and permissions are exactly the server's. Nothing but JSON-RPC is written to stdout.
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const baseUrl = (process.env.SWITCHBOARD_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
const apiKey = process.env.SWITCHBOARD_API_KEY;
if (!apiKey) {
  console.error('SWITCHBOARD_API_KEY is required: create a key in Company → API keys (or POST /api/v1/api-keys) and set it');
  process.exit(2);
}

const upstream = new StreamableHTTPClientTransport(new URL(`${baseUrl}/api/v1/mcp`), { requestInit: { headers: { 'x-api-key': apiKey } } });
const local = new StdioServerTransport();

local.onmessage = (message) => {
  upstream.send(message).catch((error: Error) => {
    console.error(`switchboard mcp: cannot reach ${baseUrl}: ${error.message}`);
    // Answer the request so the client does not wait forever.
    if ('id' in message && message.id !== undefined && 'method' in message) {
      void local.send({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: `Switchboard at ${baseUrl} is unreachable: ${error.message}` } });
    }
  });
};
upstream.onmessage = (message) => void local.send(message);
upstream.onerror = (error) => console.error(`switchboard mcp: ${error.message}`);
local.onclose = () => {
  void upstream.close();
  process.exit(0);
};

await upstream.start();
await local.start();
