// Company lookups an agent needs before it can fill a record: custom column ids (for customFieldValues) and
// user ids (for userIds). Both read through the same queries as GET /custom-columns and GET /users.
import { z } from 'zod';
import { USER_ROLES } from '../../auth/principal.js';
import { listUsers } from '../../auth/users.js';
import { COLUMN_TYPES, listCustomColumns, RECORD_TYPES } from '../../crm/index.js';
import { defineTool, READ_ONLY } from '../tool.js';

const Entity = z.enum(RECORD_TYPES, { error: `must be one of ${RECORD_TYPES.join(', ')}` });

const CustomColumnOutput = z.object({
  id: z.uuid(),
  entityType: Entity,
  name: z.string(),
  type: z.enum(COLUMN_TYPES),
  options: z.array(z.object({ value: z.string(), label: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const UserOutput = z.object({
  id: z.uuid(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  role: z.enum(USER_ROLES),
});

export const companyTools = [
  defineTool({
    name: 'list_custom_columns',
    title: 'List custom columns',
    description:
      `Lists the company’s custom columns, optionally of one record type (entity: ${RECORD_TYPES.join(', ')}). ` +
      `Each has id, entityType, name, type (${COLUMN_TYPES.join(', ')}) and, for singleSelect, options [{value, label}]. ` +
      'Use a column’s id as columnId in customFieldValues [{columnId, value}] when creating or updating records; a singleSelect takes an option’s value.',
    input: z.strictObject({ entity: Entity.optional().describe('only the columns of this record type') }),
    output: z.object({ items: z.array(CustomColumnOutput) }),
    annotations: READ_ONLY,
    run: async (ctx, principal, { entity }) => ({ items: await listCustomColumns(ctx.db, principal, entity) }),
  }),
  defineTool({
    name: 'list_users',
    title: 'List users',
    description:
      'Lists the users of the company (id, email, firstName, lastName, role), oldest first. Use their ids in userIds when assigning records.',
    input: z.strictObject({}),
    output: z.object({ items: z.array(UserOutput) }),
    annotations: READ_ONLY,
    run: async (ctx, principal) => ({
      items: (await listUsers(ctx.db, principal)).map(({ id, email, firstName, lastName, role }) => ({ id, email, firstName, lastName, role })),
    }),
  }),
];
