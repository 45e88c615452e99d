// Every MCP tool, in the order tools/list shows them.
import type { ToolDefinition } from '../tool.js';
import { companyTools } from './company.js';
import { eventTools } from './events.js';
import { recordTools } from './records.js';
import { webhookTools } from './webhooks.js';
import { webhookRecoveryTools } from './webhook-recovery.js';
import { webhookBackfillTools } from './webhook-backfill.js';
import { webhookSecretTools } from './webhook-secret.js';
import { webhookStatsTools } from './webhook-stats.js';
import { webhookFilterTools } from './webhook-filters.js';

export const TOOLS: readonly ToolDefinition[] = [...webhookTools, ...webhookRecoveryTools, ...webhookBackfillTools, ...webhookSecretTools, ...webhookStatsTools, ...webhookFilterTools, ...recordTools, ...companyTools, ...eventTools];
