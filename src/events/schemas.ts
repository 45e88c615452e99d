// The shapes receivers rely on: one zod schema per record DTO, per event payload and for the envelope.
// The single source for the OpenAPI `webhooks` section, the REST response schemas and the event catalog in
// docs/webhooks.md (scripts/generate-event-docs.ts); a field added here shows up in all three.
import { z } from 'zod';
import { EVENT_NAMES, RECORD_TYPES, type EventAction, type EventName, type RecordType } from './catalog.js';

const Id = z.uuid();
const Ids = (what: string) => z.array(Id).describe(`ids of linked ${what} (symmetric: each of them lists this record back)`);
const Timestamp = z.string().describe('ISO-8601 UTC with milliseconds, e.g. 2026-04-22T10:00:00.000Z');

export const TiptapDocSchema = z
  .looseObject({
    type: z.literal('doc'),
    content: z.array(z.looseObject({ type: z.string() })).optional(),
  })
  .describe('A Tiptap (ProseMirror) JSON document')
  .meta({ id: 'TiptapDoc' });

export const CustomFieldValueSchema = z
  .object({ columnId: Id, value: z.string().describe('the value as text; for singleSelect the option value') })
  .meta({ id: 'CustomFieldValue' });

const common = {
  notes: TiptapDocSchema.nullable().describe('rich-text notes as a Tiptap document, or null'),
  customFieldValues: z.array(CustomFieldValueSchema).describe('values of the custom columns of this record type; columns without a value are absent'),
  userIds: z.array(Id).describe('assigned users'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

export const ContactSchema = z
  .object({
    id: Id,
    firstName: z.string(),
    lastName: z.string(),
    emails: z.array(z.string()).describe('email addresses, lower-cased, in the order given'),
    organizationIds: Ids('organizations'),
    dealIds: Ids('deals'),
    taskIds: Ids('tasks'),
    ...common,
  })
  .meta({ id: 'Contact' });

export const OrganizationSchema = z
  .object({ id: Id, name: z.string(), contactIds: Ids('contacts'), dealIds: Ids('deals'), taskIds: Ids('tasks'), ...common })
  .meta({ id: 'Organization' });

export const DealServiceSchema = z
  .object({ serviceId: Id, quantity: z.number().positive() })
  .meta({ id: 'DealService' });

export const DealSchema = z
  .object({
    id: Id,
    name: z.string(),
    totalValue: z.number().describe('derived: Σ service amount × quantity'),
    totalQuantity: z.number().describe('derived: Σ quantity'),
    organizationIds: Ids('organizations'),
    contactIds: Ids('contacts'),
    taskIds: Ids('tasks'),
    services: z.array(DealServiceSchema).describe('linked services with their quantity on this deal'),
    ...common,
  })
  .meta({ id: 'Deal' });

export const ServiceSchema = z
  .object({ id: Id, name: z.string(), amount: z.number().positive().describe('unit price, > 0'), dealIds: Ids('deals'), taskIds: Ids('tasks'), ...common })
  .meta({ id: 'Service' });

export const TaskSchema = z
  .object({
    id: Id,
    name: z.string(),
    status: z.enum(['open', 'done']),
    dueDate: z.string().nullable().describe('YYYY-MM-DD or null'),
    contactIds: Ids('contacts'),
    organizationIds: Ids('organizations'),
    dealIds: Ids('deals'),
    serviceIds: Ids('services'),
    ...common,
  })
  .meta({ id: 'Task' });

export const RECORD_DTO_SCHEMAS = {
  contact: ContactSchema,
  organization: OrganizationSchema,
  deal: DealSchema,
  service: ServiceSchema,
  task: TaskSchema,
} as const;

export type ContactDto = z.infer<typeof ContactSchema>;
export type OrganizationDto = z.infer<typeof OrganizationSchema>;
export type DealDto = z.infer<typeof DealSchema>;
export type ServiceDto = z.infer<typeof ServiceSchema>;
export type TaskDto = z.infer<typeof TaskSchema>;
export interface RecordDtoByType {
  contact: ContactDto;
  organization: OrganizationDto;
  deal: DealDto;
  service: ServiceDto;
  task: TaskDto;
}
export type RecordDto = RecordDtoByType[RecordType];

export const ChangesSchema = z
  .record(z.string(), z.object({ previous: z.unknown(), current: z.unknown() }))
  .describe('every DTO field that moved, with its whole previous and current value; createdAt/updatedAt never appear')
  .meta({ id: 'Changes' });

function typeOf(name: EventName): { type: RecordType; action: EventAction } {
  const [type, action] = name.split('.') as [RecordType, EventAction];
  return { type, action };
}

function buildPayloadSchema(name: EventName) {
  const { type, action } = typeOf(name);
  const dto = RECORD_DTO_SCHEMAS[type];
  if (action === 'created') return z.object({ [type]: dto });
  if (action === 'updated') return z.object({ [type]: dto, changes: ChangesSchema });
  return z.object({ [`${type}Id`]: Id, [type]: dto.describe(`the ${type} as it was just before deletion`) });
}

/** The `data.payload` schema of each event. */
export const EVENT_PAYLOAD_SCHEMAS = Object.fromEntries(
  EVENT_NAMES.map((name) => [name, buildPayloadSchema(name).meta({ id: `${pascal(name)}Payload` })]),
) as Record<EventName, z.ZodObject>;

/** The envelope of one event, byte-for-byte the shape of spec §4. */
export function envelopeSchema(name: EventName) {
  return z
    .object({
      event: z.literal(name),
      data: z.object({
        userId: Id.nullable().describe('the acting user; an API key acts as its user'),
        companyId: Id.describe('the tenant'),
        entityId: Id.describe('the affected record'),
        payload: EVENT_PAYLOAD_SCHEMAS[name],
      }),
      timestamp: Timestamp.describe('when the write committed'),
    })
    .meta({ id: `${pascal(name)}Event` });
}

const PLURAL: Record<RecordType, string> = { contact: 'contacts', organization: 'organizations', deal: 'deals', service: 'services', task: 'tasks' };

/** When each event fires, in words (docs and OpenAPI). */
export function describeEvent(name: EventName): string {
  const { type, action } = typeOf(name);
  const a = type === 'organization' ? 'an organization' : `a ${type}`;
  if (action === 'created') {
    return `${cap(a)} was created through REST (single or bulk), MCP, the UI${type === 'contact' || type === 'organization' ? ' or CSV import' : ''}. One event per record.`;
  }
  if (action === 'deleted') {
    return `${cap(a)} was deleted. The payload carries the record as it was just before deletion; every record that lost a link to it gets its own \`*.updated\`.`;
  }
  const extra: Partial<Record<RecordType, string>> = {
    deal: ' Also fires when a linked service\'s `amount` changes and this deal\'s `totalValue` moves.',
  };
  return (
    `A field of ${a} moved: its own fields, notes, custom field values, assigned users or links — including a link ` +
    `added or removed from the other side, or a linked record deleted.${extra[type] ?? ''} A write that changes nothing fires nothing.`
  );
}

export { PLURAL as RECORD_PLURALS };
export { RECORD_TYPES };

function cap(text: string): string {
  return text[0]!.toUpperCase() + text.slice(1);
}

function pascal(name: string): string {
  return name
    .split('.')
    .map((part) => cap(part))
    .join('');
}
