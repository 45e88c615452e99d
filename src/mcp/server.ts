// The MCP server: one per request (stateless Streamable HTTP), bound to the caller's principal, listing every
// tool of src/mcp/tools and running it with the same commands, validation and error messages as REST.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ZodError } from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError, fromDatabaseError } from '../errors.js';
import { describeZodError, findUnstorableInput } from '../validation.js';
import { jsonSchemaOf, type ToolDefinition } from './tool.js';
import { TOOLS } from './tools/index.js';

const INSTRUCTIONS =
  'Switchboard is a CRM (contacts, organizations, deals, services, tasks) that sends signed webhooks on every change. ' +
  'Use the webhook tools to subscribe URLs to events and to inspect and resend deliveries; use the record tools to read and write CRM data. ' +
  'Every call acts as the API key’s user within its company.';

function errorResult(tool: ToolDefinition | undefined, error: unknown, ctx: AppContext): CallToolResult {
  let code = 'internal_error';
  let message = 'internal error; the server log has the details';
  const known = error instanceof AppError ? error : fromDatabaseError(error);
  if (known) {
    code = known.code;
    message = known.message;
  } else if (error instanceof ZodError) {
    code = 'validation_error';
    message = describeZodError(error).message;
  } else {
    ctx.log.error({ err: error, tool: tool?.name }, 'MCP tool failed');
  }
  const hint = tool?.hints?.[code as keyof NonNullable<ToolDefinition['hints']>];
  return { isError: true, content: [{ type: 'text', text: hint ? `${message}. ${hint}` : message }] };
}

export function createMcpServer(ctx: AppContext, principal: Principal, tools: readonly ToolDefinition[] = TOOLS): Server {
  const server = new Server({ name: 'switchboard', version: packageJson.version }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  const byName = new Map(tools.map((tool) => [tool.name, tool]));

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: tools.map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: jsonSchemaOf(tool.input, 'input') as { type: 'object' },
      outputSchema: jsonSchemaOf(tool.output, 'output') as { type: 'object' },
      annotations: { title: tool.title, ...tool.annotations },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name);
    if (!tool) {
      return errorResult(undefined, new AppError('not_found', `unknown tool "${request.params.name}"; call tools/list for the available tools`), ctx);
    }
    try {
      const unstorable = findUnstorableInput(request.params.arguments ?? {});
      if (unstorable) throw new AppError('validation_error', unstorable.message, unstorable.field);
      const input = tool.input.parse(request.params.arguments ?? {});
      const result = (await tool.run(ctx, principal, input)) as Record<string, unknown>;
      return { structuredContent: result, content: [{ type: 'text', text: JSON.stringify(result) }] };
    } catch (error) {
      return errorResult(tool, error, ctx);
    }
  });
  return server;
}
