// Every MCP tool, in the order tools/list shows them.
import type { ToolDefinition } from '../tool.js';
import { companyTools } from './company.js';
import { eventTools } from './events.js';
import { recordTools } from './records.js';
import { webhookTools } from './webhooks.js';
import { webhookRecoveryTools } from './webhook-recovery.js';

export const TOOLS: readonly ToolDefinition[] = [...webhookTools, ...webhookRecoveryTools, ...recordTools, ...companyTools, ...eventTools];
