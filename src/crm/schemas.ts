// Input schemas of the record commands, per type: create and update (every field optional). REST, MCP, the UI
// and CSV import validate with these same schemas. Checks that need the database (linked ids exist in the
// company, custom values fit their column) run in the commands.
import { z } from 'zod';
import { TiptapDocSchema } from '../events/schemas.js';
import { storableDate } from '../validation.js';
import type { RecordType } from './types.js';

export const MAX_LINKS_PER_FIELD = 1000;
const Uuid = z.uuid({ error: 'must be a UUID' });
const IdList = (what: string) =>
  z
    .array(Uuid)
    .max(MAX_LINKS_PER_FIELD, { error: `must list at most ${MAX_LINKS_PER_FIELD} ids` })
    .describe(`ids of ${what}; replaces the current set`);
const Name = z.string({ error: 'must be a string' }).trim().min(1, { error: 'is required' }).max(500, { error: 'must be at most 500 characters' });
const PersonName = z.string({ error: 'must be a string' }).trim().max(200, { error: 'must be at most 200 characters' });

export const NotesInput = z
  .union([z.string(), TiptapDocSchema, z.null()], { error: 'must be plain text, a Tiptap document or null' })
  .describe('plain text or a Tiptap JSON document; stored as a Tiptap document');
export const CustomFieldValueInput = z.strictObject({
  columnId: Uuid,
  value: z
    .string({ error: 'must be a string or null' })
    .max(10_000, { error: 'must be at most 10000 characters' })
    .nullable()
    .describe('null or "" clears the value'),
});

const common = {
  notes: NotesInput.optional(),
  customFieldValues: z
    .array(CustomFieldValueInput)
    .max(200)
    .optional()
    .describe('values to set, by column; columns not listed keep their value'),
  userIds: IdList('assigned users').optional(),
};

const shapes = {
  contact: {
    firstName: PersonName.optional(),
    lastName: PersonName.optional(),
    emails: z
      .array(z.email({ error: 'must be an email address such as ada@example.com' }).max(254))
      .max(50)
      .optional(),
    organizationIds: IdList('organizations').optional(),
    dealIds: IdList('deals').optional(),
    taskIds: IdList('tasks').optional(),
    ...common,
  },
  organization: {
    name: Name,
    contactIds: IdList('contacts').optional(),
    dealIds: IdList('deals').optional(),
    taskIds: IdList('tasks').optional(),
    ...common,
  },
  deal: {
    name: Name,
    organizationIds: IdList('organizations').optional(),
    contactIds: IdList('contacts').optional(),
    taskIds: IdList('tasks').optional(),
    services: z
      .array(
        z.strictObject({
          serviceId: Uuid,
          quantity: z.number({ error: 'must be a number' }).positive({ error: 'must be greater than 0' }).max(1e9).optional().describe('default 1'),
        }),
      )
      .max(MAX_LINKS_PER_FIELD)
      .optional()
      .describe('linked services with quantities; replaces the current set'),
    ...common,
  },
  service: {
    name: Name,
    amount: z.number({ error: 'must be a number' }).positive({ error: 'must be greater than 0' }).max(1e12).describe('unit price, > 0'),
    dealIds: IdList('deals').optional(),
    taskIds: IdList('tasks').optional(),
    ...common,
  },
  task: {
    name: Name,
    status: z.enum(['open', 'done'], { error: 'must be "open" or "done"' }).optional().describe('default "open"'),
    dueDate: storableDate().nullable().optional(),
    contactIds: IdList('contacts').optional(),
    organizationIds: IdList('organizations').optional(),
    dealIds: IdList('deals').optional(),
    serviceIds: IdList('services').optional(),
    ...common,
  },
} as const;

const pascal = (type: RecordType) => type[0]!.toUpperCase() + type.slice(1);

function createSchema<T extends RecordType>(type: T) {
  const schema = z.strictObject(shapes[type]);
  if (type !== 'contact') return schema.meta({ id: `${pascal(type)}CreateInput` });
  return schema
    .refine((input) => Boolean((input as { firstName?: string }).firstName || (input as { lastName?: string }).lastName || (input as { emails?: string[] }).emails?.length), {
      error: 'a contact needs a firstName, a lastName or an email',
      path: ['firstName'],
    })
    .meta({ id: 'ContactCreateInput' });
}

function updateSchema<T extends RecordType>(type: T) {
  return z.strictObject(shapes[type]).partial().meta({ id: `${pascal(type)}UpdateInput` });
}

export const CREATE_SCHEMAS = {
  contact: createSchema('contact'),
  organization: createSchema('organization'),
  deal: createSchema('deal'),
  service: createSchema('service'),
  task: createSchema('task'),
};
export const UPDATE_SCHEMAS = {
  contact: updateSchema('contact'),
  organization: updateSchema('organization'),
  deal: updateSchema('deal'),
  service: updateSchema('service'),
  task: updateSchema('task'),
};
function updateItemSchema<T extends RecordType>(type: T) {
  return z.strictObject(shapes[type]).partial().extend({ id: Uuid }).meta({ id: `${pascal(type)}UpdateItem` });
}
/** A bulk update item: the record id plus any update field. */
export const UPDATE_ITEM_SCHEMAS = {
  contact: updateItemSchema('contact'),
  organization: updateItemSchema('organization'),
  deal: updateItemSchema('deal'),
  service: updateItemSchema('service'),
  task: updateItemSchema('task'),
};

export type CreateInput<T extends RecordType = RecordType> = z.output<(typeof CREATE_SCHEMAS)[T]>;
export type UpdateInput<T extends RecordType = RecordType> = z.output<(typeof UPDATE_SCHEMAS)[T]>;
export type UpdateItem<T extends RecordType = RecordType> = UpdateInput<T> & { id: string };

export const MAX_BULK_ITEMS = 100;
