// Every MCP tool, in the order tools/list shows them.
import type { ToolDefinition } from '../tool.js';

export const TOOLS: readonly ToolDefinition[] = [];
