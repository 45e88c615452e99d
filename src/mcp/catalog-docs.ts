// The tool catalog of docs/mcp.md, rendered from the tool definitions themselves (names, descriptions,
// annotations, input fields), so the documentation cannot drift from what tools/list returns.
import { replaceBetweenMarkers } from '../docs/markers.js';
import { jsonSchemaOf, type ToolDefinition } from './tool.js';
import { TOOLS } from './tools/index.js';

export const TOOLS_START = '<!-- tools:start -->';
export const TOOLS_END = '<!-- tools:end -->';

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  anyOf?: JsonSchema[];
  $ref?: string;
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.length > 6 ? `one of ${schema.enum.length} names` : schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (schema.anyOf) return schema.anyOf.map(typeOf).filter((t) => t !== 'null').join(' or ') + (schema.anyOf.some((s) => s.type === 'null') ? ' or null' : '');
  if (schema.$ref) return schema.$ref.split('/').pop()!.replace(/Input$|Item$/, '');
  if (schema.type === 'array') return `array of ${schema.items ? typeOf(schema.items) : 'values'}`;
  return Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'value');
}

function renderTool(tool: ToolDefinition): string {
  const input = jsonSchemaOf(tool.input, 'input') as JsonSchema;
  const required = new Set(input.required ?? []);
  const hints = Object.entries(tool.annotations)
    .map(([name, on]) => `\`${name}: ${on}\``)
    .join(', ');
  const rows = Object.entries(input.properties ?? {}).map(
    ([name, schema]) => `| \`${name}\` | ${typeOf(schema)} | ${required.has(name) ? 'yes' : 'no'} | ${(schema.description ?? '').replace(/\|/g, '\\|')} |`,
  );
  return [
    `### \`${tool.name}\``,
    '',
    tool.description,
    '',
    ...(rows.length ? ['| input | type | required | notes |', '| --- | --- | --- | --- |', ...rows, ''] : ['No input.', '']),
    `Annotations: ${hints}.`,
  ].join('\n');
}

export function renderToolCatalog(tools: readonly ToolDefinition[] = TOOLS): string {
  return ['', `${tools.length} tools. Every result is JSON, in \`structuredContent\` and as text; failures set \`isError\`.`, '', ...tools.map((tool) => `${renderTool(tool)}\n`)].join('\n');
}

export function replaceToolCatalog(document: string, catalog: string = renderToolCatalog()): string {
  return replaceBetweenMarkers(document, TOOLS_START, TOOLS_END, catalog);
}
