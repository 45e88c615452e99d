// Renders the event catalog of docs/webhooks.md from the event schemas (src/events/schemas.ts): every event
// with when it fires, its payload shape and an example envelope. `npm run docs` writes it between the markers;
// a test fails when the committed file differs from what this renders.
import { z } from 'zod';
import { EVENT_NAMES, RECORD_TYPES, type EventName, type RecordType } from './catalog.js';
import { exampleEnvelope } from './examples.js';
import { describeEvent, RECORD_DTO_SCHEMAS } from './schemas.js';
import { replaceBetweenMarkers } from '../docs/markers.js';

export const EVENTS_START = '<!-- events:start -->';
export const EVENTS_END = '<!-- events:end -->';

type JsonSchema = { type?: string | string[]; items?: JsonSchema; $ref?: string; anyOf?: JsonSchema[]; enum?: unknown[]; const?: unknown; format?: string; description?: string; properties?: Record<string, JsonSchema>; required?: string[] };

const TYPE_NAMES: Record<RecordType, string> = { contact: 'Contact', organization: 'Organization', deal: 'Deal', service: 'Service', task: 'Task' };

function typeLabel(schema: JsonSchema): string {
  if (schema.$ref) return schema.$ref.split('/').pop()!;
  if (schema.anyOf) return schema.anyOf.map(typeLabel).join(' \\| ');
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.type === 'array') return `${typeLabel(schema.items ?? {})}[]`;
  if (schema.format === 'uuid') return 'UUID';
  if (schema.type === 'object' && schema.properties) {
    return `{ ${Object.entries(schema.properties).map(([key, value]) => `${key}: ${typeLabel(value)}`).join(', ')} }`;
  }
  return Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any');
}

function dtoTable(type: RecordType): string {
  const json = z.toJSONSchema(RECORD_DTO_SCHEMAS[type], { unrepresentable: 'any', reused: 'inline' }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  const root = json.$ref ? json.$defs![json.$ref.split('/').pop()!]! : json;
  const rows = Object.entries(root.properties ?? {}).map(([field, schema]) => `| \`${field}\` | ${typeLabel(schema)} | ${(schema.description ?? '').replace(/\|/g, '\\|')} |`);
  return ['| field | type | notes |', '| --- | --- | --- |', ...rows].join('\n');
}

function payloadShape(name: EventName): string {
  const [type, action] = name.split('.') as [RecordType, string];
  if (action === 'created') return `{ ${type}: ${TYPE_NAMES[type]} }`;
  if (action === 'updated') return `{ ${type}: ${TYPE_NAMES[type]}, changes: { [field]: { previous, current } } }`;
  return `{ ${type}Id: UUID, ${type}: ${TYPE_NAMES[type]} /* as it was just before deletion */ }`;
}

export function renderEventCatalog(): string {
  const out: string[] = [];
  out.push('<!-- Generated from src/events/schemas.ts by `npm run docs`; edit the schemas, not this section. -->', '');
  out.push('## Event catalog', '');
  out.push('| event | fires when |', '| --- | --- |');
  for (const name of EVENT_NAMES) out.push(`| [\`${name}\`](#${name.replace('.', '')}) | ${describeEvent(name)} |`);
  out.push('');
  out.push('### Record shapes', '');
  out.push('The payloads carry these records (the same DTOs the REST API returns).', '');
  for (const type of RECORD_TYPES) {
    out.push(`#### ${TYPE_NAMES[type]}`, '', dtoTable(type), '');
  }
  out.push(
    'Shared shapes: `CustomFieldValue` is `{ columnId: UUID, value: string }`; `DealService` is `{ serviceId: UUID, quantity: number }`; ' +
      '`TiptapDoc` is a Tiptap (ProseMirror) JSON document `{ "type": "doc", "content": [...] }`.',
    '',
    '`changes` (only on `*.updated`) names every DTO field that moved, each as `{ previous, current }` with the whole old and new value. ' +
      'Id arrays compare as sets (order never counts); `services` and `customFieldValues` compare as sets keyed by `serviceId` / `columnId`; ' +
      'notes by deep equality; `createdAt` and `updatedAt` never appear; derived fields (`totalValue`, `totalQuantity`) appear when they move.',
    '',
  );
  for (const name of EVENT_NAMES) {
    out.push(`### ${name}`, '', describeEvent(name), '', `Payload: \`${payloadShape(name)}\``, '', 'Example:', '', '```json', JSON.stringify(exampleEnvelope(name), null, 2), '```', '');
  }
  return out.join('\n');
}

/** Puts `catalog` between the markers of `document`, keeping everything around them. */
export function replaceEventCatalog(document: string, catalog: string): string {
  return replaceBetweenMarkers(document, EVENTS_START, EVENTS_END, catalog);
}
