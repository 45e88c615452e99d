// CRM record tools: create_X / update_X for each record type, and generic delete, get, filter, link, unlink.
// All call src/crm, the same commands as REST, so an update here publishes exactly what the same PATCH does.
import { z } from 'zod';
import {
  CREATE_SCHEMAS,
  createRecords,
  deleteRecords,
  getRecords,
  linkRecords,
  listRecords,
  MAX_BULK_ITEMS,
  RECORD_PLURALS,
  RECORD_TYPES,
  RELATIONS,
  unlinkRecords,
  UPDATE_ITEM_SCHEMAS,
  updateRecords,
  type RecordType,
} from '../../crm/index.js';
import { RECORD_DTO_SCHEMAS } from '../../events/schemas.js';
import { CREATES, defineTool, DELETES, READ_ONLY, UPDATES, type ToolDefinition } from '../tool.js';

const Entity = z.enum(RECORD_TYPES, { error: `must be one of ${RECORD_TYPES.join(', ')}` }).describe(`the record type: ${RECORD_TYPES.join(', ')}`);
const AnyRecord = z.union(RECORD_TYPES.map((type) => RECORD_DTO_SCHEMAS[type]) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
const Uuid = z.uuid({ error: 'must be a UUID' });

const FIELDS: Record<RecordType, string> = {
  contact: 'firstName, lastName, emails[] (a contact needs at least one of these), organizationIds[], dealIds[], taskIds[]',
  organization: 'name (required), contactIds[], dealIds[], taskIds[]',
  deal: 'name (required), organizationIds[], contactIds[], taskIds[], services[] ({serviceId, quantity}); totalValue and totalQuantity are derived from the services',
  service: 'name (required), amount (required, > 0), dealIds[], taskIds[]',
  task: 'name (required), status ("open" or "done"), dueDate ("YYYY-MM-DD" or null), contactIds[], organizationIds[], dealIds[], serviceIds[]',
};
const COMMON = 'notes (Tiptap JSON document or plain text), customFieldValues [{columnId, value}], userIds[] (assigned users)';
const RELATIONS_TEXT = RECORD_TYPES.map((type) => `${type}: ${Object.keys(RELATIONS[type]).join(', ')}`).join('; ');

function createTool(type: RecordType): ToolDefinition {
  const plural = RECORD_PLURALS[type];
  const Dto = RECORD_DTO_SCHEMAS[type];
  return defineTool({
    name: `create_${plural}`,
    title: `Create ${plural}`,
    description:
      `Creates 1–${MAX_BULK_ITEMS} ${plural} in one all-or-nothing transaction and returns them with their ids. Fields: ${FIELDS[type]}; ${COMMON}. ` +
      `Links are symmetric (linking here also updates the other record). Publishes ${type}.created for each, and *.updated for every linked record whose links moved.`,
    input: z.strictObject({ [plural]: z.array(CREATE_SCHEMAS[type]).min(1, { error: 'must hold at least 1 item' }).max(MAX_BULK_ITEMS, { error: `must hold at most ${MAX_BULK_ITEMS} items` }) }),
    output: z.object({ [plural]: z.array(Dto) }),
    annotations: CREATES,
    run: async (ctx, principal, input) => ({ [plural]: await createRecords(ctx.db, principal, type, (input as Record<string, unknown[]>)[plural]!, { path: plural }) }),
  });
}

function updateTool(type: RecordType): ToolDefinition {
  const plural = RECORD_PLURALS[type];
  const Dto = RECORD_DTO_SCHEMAS[type];
  return defineTool({
    name: `update_${plural}`,
    title: `Update ${plural}`,
    description:
      `Updates 1–${MAX_BULK_ITEMS} ${plural} in one all-or-nothing transaction: each item is {id, …fields to change}; fields left out stay as they are, and an array field (e.g. organizationIds) REPLACES the list. ` +
      `Fields: ${FIELDS[type]}; ${COMMON}. Publishes ${type}.updated with a changes record naming every field that moved; an item that changes nothing publishes nothing. Returns the updated ${plural}.`,
    input: z.strictObject({ [plural]: z.array(UPDATE_ITEM_SCHEMAS[type]).min(1, { error: 'must hold at least 1 item' }).max(MAX_BULK_ITEMS, { error: `must hold at most ${MAX_BULK_ITEMS} items` }) }),
    output: z.object({ [plural]: z.array(Dto) }),
    annotations: UPDATES,
    hints: { not_found: `Use filter_entity with entity "${type}" to find ids.` },
    run: async (ctx, principal, input) => ({ [plural]: await updateRecords(ctx.db, principal, type, (input as Record<string, unknown[]>)[plural]!, { path: plural }) }),
  });
}

const linkInput = z.strictObject({
  entity: Entity,
  sourceId: Uuid.describe('the record whose links change'),
  relation: z.string().min(1).describe(`the link field of the entity (or the plural type on the other side). ${RELATIONS_TEXT}`),
  ids: z.array(Uuid).min(1, { error: 'must hold at least 1 id' }).max(1000).describe('records on the other side'),
});

export const recordTools: ToolDefinition[] = [
  ...RECORD_TYPES.flatMap((type) => [createTool(type), updateTool(type)]),
  defineTool({
    name: 'delete_entities',
    title: 'Delete records',
    description:
      `Deletes 1–${MAX_BULK_ITEMS} records of one type (entity: ${RECORD_TYPES.join(', ')}) in one transaction. Publishes X.deleted for each (with the record as it was) and X.updated for every record that lost a link. Returns the deleted ids.`,
    input: z.strictObject({ entity: Entity, ids: z.array(Uuid).min(1, { error: 'must hold at least 1 id' }).max(MAX_BULK_ITEMS) }),
    output: z.object({ entity: Entity, deleted: z.array(z.uuid()) }),
    annotations: DELETES,
    hints: { not_found: 'Use filter_entity to find ids.' },
    run: async (ctx, principal, { entity, ids }) => {
      const deleted = await deleteRecords(ctx.db, principal, entity, ids);
      return { entity, deleted: deleted.map((record) => record.id) };
    },
  }),
  defineTool({
    name: 'get_entities',
    title: 'Get records',
    description: `Fetches up to 100 records of any types by {entity, id}, in the order asked, with all fields and links. Unknown ids fail with "not found".`,
    input: z.strictObject({ items: z.array(z.strictObject({ entity: Entity, id: Uuid })).min(1, { error: 'must hold at least 1 item' }).max(100) }),
    output: z.object({ items: z.array(z.object({ entity: Entity, record: AnyRecord })) }),
    annotations: READ_ONLY,
    hints: { not_found: 'Use filter_entity to find ids.' },
    run: async (ctx, principal, { items }) => ({ items: await getRecords(ctx.db, principal, items) }),
  }),
  defineTool({
    name: 'filter_entity',
    title: 'Search records',
    description:
      `Lists records of one type (entity: ${RECORD_TYPES.join(', ')}), newest first. Optional searchTerm (case-insensitive substring of names and emails), page (from 1), pageSize (1–100, default 25). Returns {items, total, page, pageSize}.`,
    input: z.strictObject({
      entity: Entity,
      searchTerm: z.string().max(200).optional(),
      page: z.number({ error: 'must be a number' }).int().min(1).optional(),
      pageSize: z.number({ error: 'must be a number' }).int().min(1).max(100).optional(),
    }),
    output: z.object({ items: z.array(AnyRecord), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() }),
    annotations: READ_ONLY,
    run: (ctx, principal, { entity, ...query }) => listRecords(ctx.db, principal, entity, query),
  }),
  defineTool({
    name: 'link_entities',
    title: 'Link records',
    description:
      'Adds links from one record to others (symmetric: both sides see the link). Already-linked ids are left alone. Publishes *.updated for every record whose links moved. Returns the source record.',
    input: linkInput,
    output: z.object({ record: AnyRecord }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    hints: { not_found: 'Use filter_entity to find ids.' },
    run: async (ctx, principal, { entity, sourceId, relation, ids }) => ({ record: await linkRecords(ctx.db, principal, entity, sourceId, relation, ids) }),
  }),
  defineTool({
    name: 'unlink_entities',
    title: 'Unlink records',
    description: 'Removes links from one record to others (on both sides). Publishes *.updated for every record whose links moved. Returns the source record.',
    input: linkInput,
    output: z.object({ record: AnyRecord }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    hints: { not_found: 'Use filter_entity to find ids.' },
    run: async (ctx, principal, { entity, sourceId, relation, ids }) => ({ record: await unlinkRecords(ctx.db, principal, entity, sourceId, relation, ids) }),
  }),
];
